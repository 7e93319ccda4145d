package offline

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/giftcard/platform-infra/plan"
)

// Main is the offline plan command: it parses args, plans, prints and writes, and returns
// the exit status (0 all well, 1 a high or critical control failed, 2 invalid config or a
// program error).
func Main(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("plan", flag.ContinueOnError)
	fs.SetOutput(stderr)
	stack := fs.String("stack", "", "plan only this stack (and mgmt first when it reads mgmt); default: every stack, in deploy order")
	out := fs.String("out", "", "also write <stack>.json, <stack>.mmd and the stacks' joint estate.mmd into this directory")
	dir := fs.String("dir", ".", "project directory holding Pulumi.yaml and the stack files")
	if err := fs.Parse(args); err != nil {
		return 2
	}

	chain, err := NewChain(*dir)
	if err != nil {
		fmt.Fprintln(stderr, "plan:", err)
		return 2
	}
	var stacks []string
	if *stack != "" {
		stacks = []string{*stack}
	}
	planned, planErr := chain.Plan(stacks...)

	status := 0
	for _, p := range planned {
		if !p.Requested {
			fmt.Fprintf(stdout, "== stack %s: planned to feed the stack references of %s\n\n", p.Stack, *stack)
			continue
		}
		p.Document.WriteSummary(stdout)
		fmt.Fprintln(stdout)
		if blocking := p.Document.Blocking(); len(blocking) > 0 {
			status = 1
		}
		if *out != "" {
			if err := write(*out, p); err != nil {
				fmt.Fprintln(stderr, "plan:", err)
				return 2
			}
		}
	}
	if planErr != nil {
		fmt.Fprintln(stderr, "plan:", planErr)
		return 2
	}
	if *out != "" {
		if err := writeEstate(*out, planned); err != nil {
			fmt.Fprintln(stderr, "plan:", err)
			return 2
		}
	}
	if status == 1 {
		fmt.Fprintln(stderr, "plan: a control of severity high or critical failed")
	}
	return status
}

func write(dir string, p *Planned) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(p.Document, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, p.Stack+".json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, p.Stack+".mmd"))
	if err != nil {
		return err
	}
	p.Document.WriteMermaid(f)
	return f.Close()
}

// writeEstate draws every planned stack (those planned only to feed a reference too) in
// one diagram.
func writeEstate(dir string, planned []*Planned) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var docs []*plan.Document
	for _, p := range planned {
		docs = append(docs, p.Document)
	}
	f, err := os.Create(filepath.Join(dir, "estate.mmd"))
	if err != nil {
		return err
	}
	plan.WriteEstateMermaid(f, docs)
	return f.Close()
}
