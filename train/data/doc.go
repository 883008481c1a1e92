// Package data reads recommendation datasets in the OpenP5 input format and
// builds everything the OpenP5 protocol derives from them: the leave-one-out
// split, the "sequential" and "random" item indexings (and the files OpenP5
// writes for them), the training/validation/test samples, and the prompt
// templates that turn a sample into text.
//
// Vocabulary used throughout the package:
//
//	user index   position of the user's line in user_sequence.txt (0-based)
//	item index   dense 0-based id of a raw item id, in order of first
//	             appearance in the file (Dataset.Items)
//	user id      OpenP5's mapped user id: user index + 1, written as text
//	item id      OpenP5's mapped item id (1001, 1002, ...) under an Indexing
//
// The split of one user sequence s (len(s) >= 3) is: training = s[:len-2],
// validation target = s[len-2], test target = s[len-1].
//
// Reading is strict by default: a malformed line is an error that names
// file:line. With Lenient set, bad lines are skipped, counted and listed in
// the LoadReport; nothing is dropped silently.
package data
