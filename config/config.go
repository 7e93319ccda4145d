// Package config is the typed configuration of a stack: loaded once from Pulumi config,
// validated as a whole before any resource is declared. It imports no cloud SDK.
package config

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Environment is the role of a stack.
type Environment string

const (
	Mgmt Environment = "mgmt"
	Uat  Environment = "uat"
	Prod Environment = "prod"
)

// Environments lists the roles in deploy order.
var Environments = []Environment{Mgmt, Uat, Prod}

// Config is one stack's configuration.
type Config struct {
	Stack                 string
	Environment           Environment
	AWSRegion             string
	DRRegion              string
	AllowDataOutsideIndia bool
	AZCount               int
	Network               Network
	Windows               Windows
	App                   App
	SQL                   SQL
	Tags                  Tags
	MgmtStackName         string
	NetworkServices       NetworkServices
	Security              Security
}

// Network holds the address plan. Every range is parsed and checked disjoint by Validate.
type Network struct {
	Mgmt, Uat, Prod, OnPrem, DR string
}

// Windows is the operating system every Windows instance runs.
type Windows struct {
	Version        string
	AllowEndOfLife bool
}

// App sizes the IIS/.NET tier.
type App struct {
	InstanceType string
	MinInstances int
	MaxInstances int
}

// SQL sizes the SQL Server Always On cluster.
type SQL struct {
	InstanceType string
	NodeCount    int
}

// Tags are the organisation tags every resource carries.
type Tags struct {
	Owner, CostCentre, DataClassification string
}

// Getter reads a raw config value by its full key ("project:key" or "aws:region").
type Getter func(fullKey string) (string, bool)

// Load reads every key, then validates the whole; all problems come back together in one
// *Errors, each naming the key, the value and what is expected.
func Load(stack string, get Getter) (*Config, error) {
	c := &Config{Stack: stack}
	var errs Errors
	for _, k := range Keys {
		full := FullKey(k.Name)
		raw, ok := get(full)
		if !ok && k.Secret() {
			continue // only stack files set secrets; validation says where one is required
		}
		if !ok {
			errs.add(full, "", "a value (declare a default in Pulumi.yaml or set it in the stack file)")
			continue
		}
		if err := assign(k.bind(c), raw); err != nil {
			if k.Secret() {
				raw = redacted
			}
			errs.add(full, raw, err.Error())
		}
	}
	if region, ok := get(RegionKey); ok {
		c.AWSRegion = region
	} else {
		errs.add(RegionKey, "", "an AWS region, set with `pulumi config set aws:region ap-south-1`")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return c, nil
}

func assign(dst any, raw string) error {
	switch p := dst.(type) {
	case *string:
		*p = raw
	case *Environment:
		*p = Environment(raw)
	case *int:
		n, err := strconv.Atoi(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("an integer")
		}
		*p = n
	case *bool:
		b, err := strconv.ParseBool(strings.TrimSpace(raw))
		if err != nil {
			return fmt.Errorf("true or false")
		}
		*p = b
	case *[]string, *[]int, *[]IAMUser:
		if err := json.Unmarshal([]byte(raw), p); err != nil {
			return fmt.Errorf("a JSON array of the documented shape (%v)", err)
		}
	default:
		panic(fmt.Sprintf("config: no parser for %T", dst))
	}
	return nil
}

// VpcCidr is the CIDR of the VPC this stack's environment owns.
func (c *Config) VpcCidr() netip.Prefix { return c.CidrOf(c.Environment) }

// CidrOf is the CIDR of an environment's VPC. Call only on a validated Config.
func (c *Config) CidrOf(env Environment) netip.Prefix {
	raw := map[Environment]string{Mgmt: c.Network.Mgmt, Uat: c.Network.Uat, Prod: c.Network.Prod}[env]
	return netip.MustParsePrefix(raw)
}

// IsWorkload is true for the stacks that run the platform (uat, prod), which peer with mgmt.
func (c *Config) IsWorkload() bool { return c.Environment != Mgmt }
