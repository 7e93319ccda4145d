package security

import (
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/giftcard/platform-infra/config"
)

// TlsCertificateType is the component's type token.
const TlsCertificateType = "giftcard:security:TlsCertificate"

// TlsCertificateArgs configures the IIS certificate secret of a workload stack.
type TlsCertificateArgs struct {
	Config        *config.Config
	Account       Account
	SecretsKeyArn pulumi.StringInput
	// ReaderRoleArn is the only principal that may read the secret (the app role).
	ReaderRoleArn pulumi.StringInput
}

// TlsCertificate is the certificate and key from the tlsCertificate config secret,
// stored in Secrets Manager under the app tier's prefix, encrypted with the secrets key.
type TlsCertificate struct {
	pulumi.ResourceState

	SecretArn  pulumi.StringOutput `pulumi:"secretArn"`
	SecretName pulumi.StringOutput `pulumi:"secretName"`
}

// CertificateSecretName is the secret's name: under the app tier's prefix, so the app
// role's own-secrets permission covers it and no other tier's does.
func CertificateSecretName(c *config.Config) string { return TierPrefix(c, "app") + "/tls-certificate" }

// CertificatePolicy denies reading the secret to everyone but the reader role and the
// deployer, whatever their IAM policies allow (administrators included). The deployer
// wrote the value from its own config; the provider reads the version back with
// GetSecretValue after every write and refresh, so denying it would fail the first
// certificate rotation (and the first create, if the policy lands before the version).
func CertificatePolicy(reader, deployer string) string {
	return Policy(Statement{
		Sid: "OnlyTheAppRoleReads", Effect: "Deny", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*",
		Condition: map[string]map[string]any{"ArnNotLike": {"aws:PrincipalArn": append([]string{reader}, PrincipalPatterns(deployer)...)}},
	}, Statement{
		Sid: "TheAppRoleReads", Effect: "Allow", Principal: AWSPrincipal(reader),
		Action: []string{"secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"}, Resource: "*",
	})
}

// NewTlsCertificate declares the secret, its version and its resource policy.
func NewTlsCertificate(ctx *pulumi.Context, name string, args *TlsCertificateArgs, opts ...pulumi.ResourceOption) (*TlsCertificate, error) {
	t := &TlsCertificate{}
	if err := ctx.RegisterComponentResourceV2(TlsCertificateType, name, pulumi.Map{}, t, opts...); err != nil {
		return nil, err
	}
	c := args.Config
	in := pulumi.Parent(t)
	secret, err := secretsmanager.NewSecret(ctx, c.Name("tls-certificate"), &secretsmanager.SecretArgs{
		Name:                 pulumi.String(CertificateSecretName(c)),
		Description:          pulumi.String("PEM certificate chain and private key of the IIS sites"),
		KmsKeyId:             args.SecretsKeyArn,
		RecoveryWindowInDays: pulumi.Int(30),
	}, in, pulumi.Protect(true))
	if err != nil {
		return nil, err
	}
	if _, err := secretsmanager.NewSecretVersion(ctx, c.Name("tls-certificate"), &secretsmanager.SecretVersionArgs{
		SecretId:     secret.ID(),
		SecretString: pulumi.ToSecret(pulumi.String(c.Security.TLSCertificate)).(pulumi.StringOutput),
	}, in); err != nil {
		return nil, err
	}
	policy := args.ReaderRoleArn.ToStringOutput().ApplyT(func(reader string) string {
		return CertificatePolicy(reader, args.Account.Deployer)
	}).(pulumi.StringOutput)
	if _, err := secretsmanager.NewSecretPolicy(ctx, c.Name("tls-certificate"), &secretsmanager.SecretPolicyArgs{
		SecretArn: secret.Arn, Policy: policy, BlockPublicPolicy: pulumi.Bool(true),
	}, in); err != nil {
		return nil, err
	}
	t.SecretArn, t.SecretName = secret.Arn, secret.Name
	return t, ctx.RegisterResourceOutputs(t, pulumi.Map{"secretArn": t.SecretArn, "secretName": t.SecretName})
}
