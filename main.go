// Command giftcard-platform is the Pulumi program of the gift-card platform's estate.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/estate"
)

func main() { pulumi.Run(estate.Run) }
