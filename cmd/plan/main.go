// Command plan is the offline plan: it runs the Pulumi program for each stack under mocks
// (no cloud, no CLI, no network), prints what would be built and the security control
// results, and optionally writes DIR/<stack>.json and DIR/<stack>.mmd.
//
//	go run ./cmd/plan [-stack NAME] [-out DIR] [-dir PROJECT_DIR]
//
// Exit status: 0 all is well; 1 a control of severity high or critical failed;
// 2 invalid configuration or a program error.
package main

import (
	"os"

	"github.com/giftcard/platform-infra/offline"
)

func main() { os.Exit(offline.Main(os.Args[1:], os.Stdout, os.Stderr)) }
