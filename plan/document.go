// Package plan renders a planned stack for people and tools: the JSON document (a public
// contract, versioned by SchemaVersion), the text summary and the Mermaid diagram.
// It imports no SDK.
package plan

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/giftcard/platform-infra/controls"
	"github.com/giftcard/platform-infra/inventory"
)

// SchemaVersion is the version of the JSON shape. Adding fields keeps it; changing or
// removing one needs a new version.
const SchemaVersion = 1

// Document is the JSON plan of one stack.
type Document struct {
	SchemaVersion int                   `json:"schemaVersion"`
	Project       string                `json:"project"`
	Stack         string                `json:"stack"`
	Warnings      []string              `json:"warnings"`
	Resources     []*inventory.Resource `json:"resources"`
	Outputs       map[string]any        `json:"outputs"`
	Controls      []controls.Result     `json:"controls"`
}

// NewDocument evaluates the catalogue on the stack and assembles its document.
func NewDocument(s *inventory.Stack, warnings []string, catalogue []controls.Control) *Document {
	if warnings == nil {
		warnings = []string{}
	}
	return &Document{
		SchemaVersion: SchemaVersion,
		Project:       s.Project,
		Stack:         s.Stack,
		Warnings:      warnings,
		Resources:     s.Resources,
		Outputs:       s.Outputs,
		Controls:      controls.Evaluate(s, catalogue),
	}
}

// Blocking lists the failed controls that fail the plan (severity high or critical).
func (d *Document) Blocking() []controls.Result { return controls.Blocking(d.Controls) }

// WriteSummary prints resources per component and per type, then the control results.
func (d *Document) WriteSummary(w io.Writer) {
	s := inventory.NewStack(d.Project, d.Stack, d.Resources, d.Outputs)
	fmt.Fprintf(w, "== stack %s: %d resources\n", d.Stack, len(d.Resources))
	for _, warn := range d.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warn)
	}

	fmt.Fprintln(w, "-- per component")
	perComponent := map[string]int{}
	for _, r := range d.Resources {
		if !r.Custom {
			continue
		}
		label := "(stack)"
		if c := s.Component(r); c != nil {
			label = c.Type + " " + c.Name
		}
		perComponent[label]++
	}
	for _, k := range inventory.SortedKeys(perComponent) {
		fmt.Fprintf(w, "  %4d  %s\n", perComponent[k], k)
	}

	fmt.Fprintln(w, "-- per type")
	perType := map[string]int{}
	for _, r := range d.Resources {
		perType[r.Type]++
	}
	for _, k := range inventory.SortedKeys(perType) {
		fmt.Fprintf(w, "  %4d  %s\n", perType[k], k)
	}

	counts := map[controls.Status]int{}
	for _, c := range d.Controls {
		counts[c.Status]++
	}
	fmt.Fprintf(w, "-- controls: %d pass, %d fail, %d not applicable\n", counts[controls.Pass], counts[controls.Fail], counts[controls.NotApplicable])
	for _, c := range d.Controls {
		fmt.Fprintf(w, "  %-14s %-8s %-9s %s [%s]\n", strings.ToUpper(string(c.Status)), c.Severity, c.ID, c.Title, strings.Join(c.Frameworks, "; "))
		failures := append([]controls.Failure(nil), c.Failures...)
		sort.SliceStable(failures, func(i, j int) bool { return failures[i].URN < failures[j].URN })
		for _, f := range failures {
			fmt.Fprintf(w, "      - %s: %s\n", f.URN, f.Message)
		}
	}
}
