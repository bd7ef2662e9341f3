#!/usr/bin/env python3
"""Seed moto_server with an AWS Organization for the sweep tests; print JSON.

Usage: org_seed.py ENDPOINT SPEC_JSON

SPEC_JSON: {"members": 4, "regions": ["us-east-1", "us-west-2"],
            "role": "preflight-audit", "no_role": [1], "clusters": 1,
            "services": 2}

The caller's account is moto's default (123456789012, keys "test"): it
creates the Organization and "members" member accounts, so ListAccounts
lists members + 1. Every account but those at the indexes in "no_role"
(0 is the management account, 1.. the members in creation order) gets the
role, and in each Region a healthy private world: a VPC with DNS on and the
Amazon resolver, two private subnets, interface endpoints for ecr.api,
ecr.dkr and logs (private DNS on, their group taking 443 from the tasks'),
an S3 gateway endpoint on the subnets' route table, a task group whose only
egress is 443 to the endpoints and to the S3 prefix list, and "clusters"
clusters (prod-0, ...) of "services" Fargate services each (one task
definition a cluster). moto hands out credentials for any role ARN
(AssumeRole there does not check that the role exists), which is how the
seeder writes into each account; the test's proxy answers AssumeRole on a
role that was not created with AccessDenied, as STS does.

It prints {"management": ID, "accounts": [ID, ...], "roles": [ARN, ...],
"services": {ID: {REGION: ["service/CLUSTER/NAME", ...]}}}. Everything talks
to ENDPOINT only.
"""
import json
import sys

import boto3

MANAGEMENT = "123456789012"  # moto's default account


def session_for(endpoint, region, creds):
    kw = dict(endpoint_url=endpoint, region_name=region, **creds)
    return lambda svc: boto3.client(svc, **kw)


def world(client, account, region, clusters, services):
    ec2, ecs = client("ec2"), client("ecs")
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    dopt = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=region + az)["Subnet"]["SubnetId"]
               for cidr, az in (("10.0.1.0/24", "a"), ("10.0.2.0/24", "b"))]
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    for sn in subnets:
        ec2.associate_route_table(RouteTableId=rt, SubnetId=sn)
    task_sg = ec2.create_security_group(GroupName="task", Description="task", VpcId=vpc)["GroupId"]
    vpce_sg = ec2.create_security_group(GroupName="endpoints", Description="endpoints", VpcId=vpc)["GroupId"]
    s3_pl = [p["PrefixListId"] for p in ec2.describe_managed_prefix_lists()["PrefixLists"]
             if p["PrefixListName"] == f"com.amazonaws.{region}.s3"][0]
    ec2.revoke_security_group_egress(GroupId=task_sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=task_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": vpce_sg}]},
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": s3_pl}]}])
    ec2.authorize_security_group_ingress(GroupId=vpce_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": task_sg}]}])
    for svc in ("ecr.api", "ecr.dkr", "logs"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{region}.{svc}", VpcEndpointType="Interface",
                                SubnetIds=subnets, SecurityGroupIds=[vpce_sg], PrivateDnsEnabled=True)
    ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{region}.s3", VpcEndpointType="Gateway",
                            RouteTableIds=[rt])
    names = []
    for c in range(clusters):
        cluster = f"prod-{c}"
        ecs.create_cluster(clusterName=cluster)
        family = f"app-{c}"
        td = ecs.register_task_definition(
            family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
            containerDefinitions=[{
                "name": "app", "image": f"{account}.dkr.ecr.{region}.amazonaws.com/{family}:1", "essential": True,
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": f"/ecs/{family}", "awslogs-region": region, "awslogs-stream-prefix": "app"}},
            }])["taskDefinition"]["taskDefinitionArn"]
        for s in range(services):
            name = f"svc-{s}"
            ecs.create_service(cluster=cluster, serviceName=name, taskDefinition=td, desiredCount=1,
                               launchType="FARGATE", networkConfiguration={"awsvpcConfiguration": {
                                   "subnets": subnets, "securityGroups": [task_sg], "assignPublicIp": "DISABLED"}})
            names.append(f"service/{cluster}/{name}")
    return names


def main():
    endpoint, spec = sys.argv[1], json.loads(sys.argv[2])
    regions, role = spec["regions"], spec["role"]
    caller = dict(aws_access_key_id="test", aws_secret_access_key="test")
    mgmt = session_for(endpoint, regions[0], caller)
    org = mgmt("organizations")
    org.create_organization(FeatureSet="ALL")
    accounts = [MANAGEMENT]
    for i in range(spec["members"]):
        status = org.create_account(Email=f"member{i}@example.com", AccountName=f"member{i}")["CreateAccountStatus"]
        accounts.append(status["AccountId"])
    out = {"management": MANAGEMENT, "accounts": accounts, "roles": [], "services": {}}
    sts = mgmt("sts")
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{MANAGEMENT}:root"}, "Action": "sts:AssumeRole"}]})
    for i, account in enumerate(accounts):
        if i in spec["no_role"]:
            continue
        arn = f"arn:aws:iam::{account}:role/{role}"
        c = sts.assume_role(RoleArn=arn, RoleSessionName="seed")["Credentials"]
        creds = dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"],
                     aws_session_token=c["SessionToken"])
        iam = session_for(endpoint, regions[0], creds)("iam")
        iam.create_role(RoleName=role, AssumeRolePolicyDocument=trust)
        out["roles"].append(arn)
        out["services"][account] = {r: world(session_for(endpoint, r, creds), account, r, spec["clusters"], spec["services"])
                                    for r in regions}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
