// Synthesizes the CloudFormation fixtures of audit/cloudformation with the
// AWS CDK: one cloud assembly (cdk.out) per case under ../cdkout/. Run it
// with `npm ci && node synth.js` after changing a case; CI reads the
// committed output and needs neither Node nor the CDK.
'use strict';
const fs = require('fs');
const path = require('path');
const cdk = require('aws-cdk-lib');
const ec2 = require('aws-cdk-lib/aws-ec2');
const ecs = require('aws-cdk-lib/aws-ecs');
const ecr = require('aws-cdk-lib/aws-ecr');
const logs = require('aws-cdk-lib/aws-logs');
const secretsmanager = require('aws-cdk-lib/aws-secretsmanager');
const patterns = require('aws-cdk-lib/aws-ecs-patterns');
const { yamlDump } = require('yaml-cfn');

// The secret planted in the fixtures: no output of preflight may carry it.
const PLANTED = 'planted-s3cr3t-value-4242';

// isolatedVpc is a VPC whose task subnets have no route out of it.
function isolatedVpc(stack, extraGroups = []) {
  return new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    subnetConfiguration: [
      { name: 'App', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ...extraGroups,
    ],
  });
}

// fargate adds a Fargate service whose image is in this account's ECR and
// whose logs go to CloudWatch Logs.
function fargate(stack, vpc, opts = {}) {
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const td = new ecs.FargateTaskDefinition(stack, 'TaskDef', { cpu: 256, memoryLimitMiB: 512 });
  const repo = ecr.Repository.fromRepositoryName(stack, 'Repo', 'app');
  td.addContainer('app', {
    image: ecs.ContainerImage.fromEcrRepository(repo, 'latest'),
    logging: ecs.LogDrivers.awsLogs({ streamPrefix: 'app', logGroup: new logs.LogGroup(stack, 'Logs') }),
    environment: opts.environment,
    secrets: opts.secrets,
  });
  return new ecs.FargateService(stack, 'Service', {
    cluster,
    taskDefinition: td,
    assignPublicIp: !!opts.assignPublicIp,
    vpcSubnets: opts.vpcSubnets || { subnetGroupName: 'App' },
    securityGroups: opts.securityGroups,
  });
}

// endpoints adds the S3 gateway and the interface endpoints Fargate needs
// to pull from ECR and ship awslogs.
function endpoints(vpc, s3Subnets) {
  vpc.addGatewayEndpoint('S3', {
    service: ec2.GatewayVpcEndpointAwsService.S3,
    subnets: s3Subnets ? [s3Subnets] : undefined,
  });
  for (const [id, svc] of [['EcrApi', ec2.InterfaceVpcEndpointAwsService.ECR],
    ['EcrDkr', ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER],
    ['Logs', ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS]]) {
    vpc.addInterfaceEndpoint(id, { service: svc, subnets: { subnetGroupName: 'App' } });
  }
}

const cases = {
  'isolated-no-endpoints': (stack) => {
    fargate(stack, isolatedVpc(stack));
  },
  'isolated-endpoints': (stack) => {
    const vpc = isolatedVpc(stack);
    endpoints(vpc);
    fargate(stack, vpc);
  },
  's3-other-subnets': (stack) => {
    const vpc = isolatedVpc(stack, [{ name: 'Other', subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 }]);
    endpoints(vpc, { subnetGroupName: 'Other' });
    fargate(stack, vpc);
  },
  'assign-public-ip': (stack) => {
    const vpc = new ec2.Vpc(stack, 'Vpc', {
      maxAzs: 2, natGateways: 0,
      subnetConfiguration: [{ name: 'App', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    });
    fargate(stack, vpc, { assignPublicIp: true });
  },
  'sg-no-outbound': (stack) => {
    const vpc = isolatedVpc(stack);
    endpoints(vpc);
    const sg = new ec2.SecurityGroup(stack, 'TaskSg', { vpc, allowAllOutbound: false });
    fargate(stack, vpc, { securityGroups: [sg] });
  },
  'secret-no-endpoint': (stack) => {
    const vpc = isolatedVpc(stack);
    endpoints(vpc);
    const secret = new secretsmanager.Secret(stack, 'DbSecret');
    // A NoEcho parameter and an environment value carry the planted
    // secret: preflight must print neither.
    const p = new cdk.CfnParameter(stack, 'DbPassword', { type: 'String', noEcho: true, default: PLANTED });
    fargate(stack, vpc, {
      secrets: { DB_SECRET: ecs.Secret.fromSecretsManager(secret) },
      environment: { DB_PASSWORD: p.valueAsString, API_TOKEN: PLANTED },
    });
  },
  'alb-fargate': (stack) => {
    new patterns.ApplicationLoadBalancedFargateService(stack, 'Web', {
      taskImageOptions: { image: ecs.ContainerImage.fromRegistry('amazon/amazon-ecs-sample') },
    });
  },
};

// Apps of several stacks. In 'two-stacks' the stacks build their network
// and service with the same construct ids, so they share logical ids
// (VpcXXXX, its endpoints and their groups, ServiceXXXX, TaskDefXXXX), as
// two stacks of one CDK construct do. Both have a failing row: the orders
// service reads a secret without its endpoint, the billing tasks' own
// security group allows no outbound traffic. In 'cross-stack' the
// service's stack uses the network stack's VPC: CDK passes it as an
// export and Fn::ImportValue.
const apps = {
  'two-stacks': (app) => {
    const orders = legacyStack(app, 'OrdersStack');
    const ordersVpc = isolatedVpc(orders);
    endpoints(ordersVpc);
    const secret = new secretsmanager.Secret(orders, 'DbSecret');
    fargate(orders, ordersVpc, { secrets: { DB_SECRET: ecs.Secret.fromSecretsManager(secret) } });
    const billing = legacyStack(app, 'BillingStack');
    const billingVpc = isolatedVpc(billing);
    endpoints(billingVpc);
    const sg = new ec2.SecurityGroup(billing, 'TaskSg', { vpc: billingVpc, allowAllOutbound: false });
    fargate(billing, billingVpc, { securityGroups: [sg] });
  },
  'cross-stack': (app) => {
    const network = legacyStack(app, 'NetworkStack');
    const vpc = isolatedVpc(network);
    fargate(legacyStack(app, 'ServiceStack'), vpc);
  },
};

// legacyStack is a stack whose template names no bootstrap resources.
function legacyStack(app, id) {
  return new cdk.Stack(app, id, { synthesizer: new cdk.LegacyStackSynthesizer() });
}

const root = path.join(__dirname, '..', 'cdkout');
// The same templates in YAML with the short-form tags (yaml-cfn), so the
// YAML reader is tested on what a tool writes, against the JSON.
const yamlRoot = path.join(__dirname, '..', 'cdkyaml');
fs.mkdirSync(yamlRoot, { recursive: true });
for (const [name, build] of Object.entries(cases)) {
  const outdir = path.join(root, name);
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new cdk.App({ outdir, analyticsReporting: false });
  build(legacyStack(app, name.replace(/(^|-)(\w)/g, (_, __, c) => c.toUpperCase())));
  app.synth();
  keep(outdir, name);
}
for (const [name, build] of Object.entries(apps)) {
  const outdir = path.join(root, name);
  fs.rmSync(outdir, { recursive: true, force: true });
  const app = new cdk.App({ outdir, analyticsReporting: false });
  build(app);
  app.synth();
  keep(outdir);
}

// keep leaves what preflight reads in outdir: the manifest and the
// templates. With a name (an app of one stack), the template is also
// written as YAML.
function keep(outdir, name) {
  for (const f of fs.readdirSync(outdir)) {
    if (f !== 'manifest.json' && !f.endsWith('.template.json')) {
      fs.rmSync(path.join(outdir, f), { recursive: true, force: true });
    } else if (name && f.endsWith('.template.json')) {
      const doc = JSON.parse(fs.readFileSync(path.join(outdir, f), 'utf8'));
      fs.writeFileSync(path.join(yamlRoot, name + '.template.yaml'), yamlDump(doc));
    }
  }
}
