// Command embrec is the one binary of the project: every subcommand lives in
// its own file (cmd_*.go) and registers itself in the table below from an
// init function, so adding a command never touches this file.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one subcommand of embrec.
type command struct {
	name    string // first word on the command line ("bench", "wals", ...)
	summary string // one line for the command list
	usage   string // argument synopsis shown by -h, e.g. "gemm -m M -n N -k K"
	// run parses args with fs (already named and wired to print usage) and
	// does the work. It returns an error for the user; main prints it and
	// exits 1 (or an *exitError's code). A flag.ErrHelp return exits 0
	// after the usage text.
	run func(fs *flag.FlagSet, args []string) error
}

var commands = map[string]*command{}

// register adds c to the command table; it panics on a duplicate name.
func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("embrec: duplicate command " + c.name)
	}
	commands[c.name] = c
}

func main() {
	checkStdout()
	os.Exit(runMain(os.Args[1:], os.Stdout, os.Stderr))
}

// runMain is main without os.Exit, so tests can drive the CLI.
func runMain(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		if len(args) > 1 && args[0] == "help" {
			args = []string{args[1], "-h"}
		} else {
			printCommands(stdout)
			if len(args) == 0 {
				return exitUsage
			}
			return 0
		}
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "embrec: unknown command %q\n\n", args[0])
		printCommands(stderr)
		return exitUsage
	}
	fs := flag.NewFlagSet("embrec "+c.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: embrec %s\n\n%s\n\nflags:\n", c.usage, c.summary)
		fs.PrintDefaults()
	}
	err := c.run(fs, args[1:])
	if err == nil {
		err = stdoutError()
	}
	if err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		fmt.Fprintf(stderr, "embrec %s: %v\n", c.name, err)
		return exitCode(err)
	}
	return 0
}

func printCommands(w io.Writer) {
	fmt.Fprintln(w, "embrec: LLM-based recommendation with collaborative-filtering embeddings")
	fmt.Fprintln(w, "\nusage: embrec COMMAND [flags]   (embrec help COMMAND for its flags)\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %s%s  %s\n", n, strings.Repeat(" ", width-len(n)), commands[n].summary)
	}
	fmt.Fprintln(w, "\n"+exitCodesHelp)
}
