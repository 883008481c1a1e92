// Package wals learns user and item factors from implicit feedback with
// weighted alternating least squares (Hu, Koren and Volinsky, "Collaborative
// Filtering for Implicit Feedback Datasets", ICDM 2008).
//
// Model. R is the users × items matrix of interaction counts r_ui. Every
// cell has a preference p_ui (1 if r_ui > 0, else 0) and a confidence
// c_ui = 1 + Alpha*r_ui (so unobserved cells have confidence 1). The factors
// X (users × K) and Y (items × K) minimise
//
//	L(X, Y) = Σ_u Σ_i c_ui (p_ui − x_u·y_i)² + Reg (Σ_u |x_u|² + Σ_i |y_i|²)
//
// over all cells, observed or not. Fixing Y, each x_u solves the K×K system
//
//	(YᵀY + Yᵀ(C_u − I)Y + Reg·I) x_u = Yᵀ C_u p_u,
//
// and YᵀY is shared by all users (the "YᵀY trick"), so a user with n_u
// observed items costs O(n_u K² + K³) with the exact Cholesky solver
// (SolverCholesky), or O((K² + n_u K) · CGSteps) with a few steps of
// conjugate gradient warm-started from the previous x_u (SolverCG, Takács,
// Pilászy and Tikk, "Applications of the conjugate gradient method for
// implicit feedback collaborative filtering", RecSys 2011). Items are solved
// the same way with the roles swapped. One iteration = a user step, then an
// item step.
//
// Fold-in. FoldIn solves that user system for a history the fit never saw
// as a whole (a prefix of a user's sequence, or a new user) against fixed
// item factors: exactly the user step for that one row.
//
// Determinism. Rows are solved independently, so their results do not depend
// on which goroutine solves them; the only reductions (YᵀY and the
// objective) are summed over a fixed split of rows into blocks, in block
// order. The factors are therefore bit-identical for any Threads value.
// Initialisation draws from a PCG generator seeded by Config.Seed.
//
// Rows with no observed entries (for example items that only occur as
// validation/test targets when the matrix is built from the training split)
// are initialised to zero and solve to exactly zero, so they have no
// influence on the other factors: an item that only occurs in held-out data
// changes nothing in the fit (train/cf tests this bit for bit).
//
// Storage and precision: factors are float32 (N × K, row-major); YᵀY is
// accumulated in float64 and used in float32; the CG vectors are float32; the
// Cholesky path builds and factors each system in float64. The objective is
// accumulated in float64.
package wals
