package flows

// InterfaceEndpointServices are the AWS services every VPC reaches through interface
// endpoints in its endpoints tier (DESIGN §3): SSM Session Manager and Run Command need
// the first three, the CloudWatch agent logs and monitoring, and instances kms and
// secretsmanager for their keys and secrets, all without the internet.
var InterfaceEndpointServices = []string{"ssm", "ssmmessages", "ec2messages", "logs", "monitoring", "kms", "secretsmanager"}

// SSMEndpointServices are the endpoints Systems Manager cannot work without (FSBP EC2.57).
var SSMEndpointServices = []string{"ssm", "ssmmessages", "ec2messages"}

// EndpointsTier is the tier that holds the interface endpoints.
const EndpointsTier = "endpoints"
