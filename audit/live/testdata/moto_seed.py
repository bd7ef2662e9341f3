#!/usr/bin/env python3
"""Seed moto_server with one audit scenario and print its resource ids as JSON.

Usage: moto_seed.py ENDPOINT [MUTATION ...]
       moto_seed.py ENDPOINT --serve    (one scenario per stdin line, one JSON line out)

--serve keeps boto3 loaded between scenarios (importing it and building the
clients costs about as much as seeding); the caller resets moto in between.

The base world is a healthy private service: a VPC with DNS support and
hostnames on, two private subnets (us-east-1a, us-east-1b) on one route
table with no internet path, interface endpoints for ecr.api, ecr.dkr and
logs in both subnets (private DNS on, guarded by a security group that takes
443 from the task's group), an S3 gateway endpoint on the route table, a task
security group whose only egress is 443 to the endpoints' group and to the S3
prefix list, and an ECS cluster "prod" with a Fargate service "orders" whose
task pulls from this account's ECR and logs with awslogs.

Each MUTATION changes one thing (see MUTATIONS below). "bench:N:T" seeds N
services over T task definitions instead of the single service. "iam" creates
two users (one holding ../../../audit-policy.json, one denied
ec2:DescribeVpcEndpoints) and prints their keys. Everything talks to
ENDPOINT only.
"""
import json
import os
import sys

import boto3

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
HERE = os.path.dirname(os.path.abspath(__file__))


def clients(endpoint):
    kw = dict(endpoint_url=endpoint, region_name=REGION,
              aws_access_key_id="test", aws_secret_access_key="test")
    return (boto3.client("ec2", **kw), boto3.client("ecs", **kw), boto3.client("iam", **kw),
            boto3.client("efs", **kw))


def task_definition(ecs, family, image=None, log_region=REGION, efs_id=None):
    image = image or f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{family}:1"
    extra = {}
    if efs_id:
        extra["volumes"] = [{"name": "data", "efsVolumeConfiguration": {
            "fileSystemId": efs_id, "transitEncryption": "ENABLED"}}]
    td = ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512", **extra,
        containerDefinitions=[{
            "name": "app", "image": image, "essential": True,
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": f"/ecs/{family}", "awslogs-region": log_region,
                "awslogs-stream-prefix": "app"}},
        }])
    return td["taskDefinition"]["taskDefinitionArn"]


def service(ecs, name, td, subnets, sgs, public="DISABLED"):
    ecs.create_service(
        cluster="prod", serviceName=name, taskDefinition=td, desiredCount=1,
        launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": subnets, "securityGroups": sgs, "assignPublicIp": public}})


def create_vpc(ec2, cidr):
    """Creates a VPC as AWS does: CreateVpc associates the Region's default
    DHCP options set, a dopt- set with domain-name-servers=AmazonProvidedDNS.
    moto leaves the VPC on "default" instead, which on AWS means no DHCP
    options (no DNS server) and fails the dhcp rule."""
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    dopt = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["ec2.internal"]},
        {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
    return vpc


def seed(ec2, ecs, iam, efs, mutations):
    out = {"region": REGION, "account": ACCOUNT, "cluster": "prod"}

    vpc = create_vpc(ec2, "10.0.0.0/16")
    out["vpc"] = vpc
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": "vpc_dns_support_off" not in mutations})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": "vpc_dns_off" not in mutations})
    if "custom_dhcp" in mutations:
        dopt = ec2.create_dhcp_options(DhcpConfigurations=[
            {"Key": "domain-name-servers", "Values": ["10.0.0.53"]}])["DhcpOptions"]["DhcpOptionsId"]
        ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vpc)
        out["dhcp"] = dopt

    subnets = []
    for cidr, az in (("10.0.1.0/24", "us-east-1a"), ("10.0.2.0/24", "us-east-1b")):
        subnets.append(ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az)["Subnet"]["SubnetId"])
    out["subnets"] = subnets
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    out["route_table"] = rt
    for sn in subnets:
        ec2.associate_route_table(RouteTableId=rt, SubnetId=sn)

    if mutations & {"nat", "egress_open"}:
        # An internet path: a public subnet with an internet gateway and a
        # NAT gateway, and a default route to it from the private table.
        pub = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.100.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
        pub_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=pub_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
        ec2.associate_route_table(RouteTableId=pub_rt, SubnetId=pub)
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=pub, AllocationId=eip)["NatGateway"]["NatGatewayId"]
        ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        out["nat"] = nat

    task_sg = ec2.create_security_group(GroupName="orders-task", Description="task", VpcId=vpc)["GroupId"]
    vpce_sg = ec2.create_security_group(GroupName="endpoints", Description="endpoints", VpcId=vpc)["GroupId"]
    out["task_sg"], out["vpce_sg"] = task_sg, vpce_sg
    s3_pl = [p["PrefixListId"] for p in ec2.describe_managed_prefix_lists()["PrefixLists"]
             if p["PrefixListName"] == f"com.amazonaws.{REGION}.s3"][0]
    out["s3_prefix_list"] = s3_pl

    # The task's group: drop the default allow-all egress, allow what is needed.
    if "egress_open" not in mutations:
        ec2.revoke_security_group_egress(GroupId=task_sg, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        egress = []
        if "task_sg_no_egress_endpoint" not in mutations:
            egress.append({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                           "UserIdGroupPairs": [{"GroupId": vpce_sg}]})
        if "task_sg_no_s3" not in mutations:
            egress.append({"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
                           "PrefixListIds": [{"PrefixListId": s3_pl}]})
        if egress:
            ec2.authorize_security_group_egress(GroupId=task_sg, IpPermissions=egress)
    ec2_svc = bool(mutations & {"ec2_service", "ec2_instance_shut", "ec2_instance_public", "ec2_second_instance"})
    if ec2_svc:
        # Container instances' own group: 443 to the endpoints and to S3
        # ("ec2_instance_shut": no egress at all).
        inst_sg = ec2.create_security_group(GroupName="ecs-instances", Description="instances", VpcId=vpc)["GroupId"]
        ec2.revoke_security_group_egress(GroupId=inst_sg, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        if "ec2_instance_shut" not in mutations:
            ec2.authorize_security_group_egress(GroupId=inst_sg, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": vpce_sg}]},
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": s3_pl}]}])
        ec2.authorize_security_group_ingress(GroupId=vpce_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": inst_sg}]}])
        # The EC2 service's task group lets nothing out: its needs are all
        # the host's.
        batch_sg = ec2.create_security_group(GroupName="batch-task", Description="batch", VpcId=vpc)["GroupId"]
        ec2.revoke_security_group_egress(GroupId=batch_sg, IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        out["instance_sg"], out["batch_sg"] = inst_sg, batch_sg

    if "endpoint_sg_no_443" in mutations:
        ec2.authorize_security_group_ingress(GroupId=vpce_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "UserIdGroupPairs": [{"GroupId": task_sg}]}])
    else:
        ec2.authorize_security_group_ingress(GroupId=vpce_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": task_sg}]}])

    endpoints = {}
    # secretsmanager only where a scenario asks: task-def.example.json's
    # preflight container checks it (PREFLIGHT_CHECKS), so its audit fails
    # without one.
    # "no_endpoints": none of the four (the fix plan creates them);
    # "endpoints_task_sg": the interface endpoints reuse the task's group.
    wanted = ("ecr.api", "ecr.dkr", "logs") + (("secretsmanager",) if "secretsmanager_endpoint" in mutations else ())
    if ec2_svc:
        wanted += ("ecs", "ecs-agent", "ecs-telemetry")  # the container agent's
    for svc in wanted:
        if svc == "logs" and "no_logs_endpoint" in mutations or "no_endpoints" in mutations:
            continue
        eps_subnets = subnets
        if svc == "logs" and "endpoint_one_az" in mutations:
            eps_subnets = subnets[:1]
        endpoints[svc] = ec2.create_vpc_endpoint(
            VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.{svc}", VpcEndpointType="Interface",
            SubnetIds=eps_subnets, SecurityGroupIds=[task_sg if "endpoints_task_sg" in mutations else vpce_sg],
            PrivateDnsEnabled=not (svc == "ecr.dkr" and "private_dns_off" in mutations),
        )["VpcEndpoint"]["VpcEndpointId"]
    s3_kw = dict(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.s3", VpcEndpointType="Gateway")
    if "s3_not_routed" not in mutations:
        s3_kw["RouteTableIds"] = [rt]
    if "s3_policy" in mutations:
        s3_kw["PolicyDocument"] = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::my-app-bucket/*"}]})
    if "no_endpoints" not in mutations:
        endpoints["s3"] = ec2.create_vpc_endpoint(**s3_kw)["VpcEndpoint"]["VpcEndpointId"]
    out["endpoints"] = endpoints

    if "nacl_deny_443" in mutations:
        # The VPC's default ACL (on the task subnets) denies TCP 443 out
        # ahead of its allow-all rule 100.
        acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                 {"Name": "default", "Values": ["true"]}])["NetworkAcls"][0]["NetworkAclId"]
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=90, Protocol="6", RuleAction="deny",
                                     Egress=True, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
        out["nacl"] = acl

    if "nacl_block" in mutations:
        # A custom ACL on the task subnets that lets 443 out but not the
        # return traffic (ephemeral ports) in.
        acl = ec2.create_network_acl(VpcId=vpc)["NetworkAcl"]["NetworkAclId"]
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                     Egress=True, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                     Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
        assocs = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"]
        for a in assocs:
            for assoc in a["Associations"]:
                if assoc["SubnetId"] in subnets:
                    ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)
        out["nacl"] = acl

    efs_id = None
    if mutations & {"efs", "efs_no_egress"}:
        # A file system with a mount target in each task subnet, whose
        # group takes NFS (2049) from the task group.
        efs_sg = ec2.create_security_group(GroupName="efs", Description="efs", VpcId=vpc)["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=efs_sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "UserIdGroupPairs": [{"GroupId": task_sg}]}])
        if "efs_no_egress" not in mutations and "egress_open" not in mutations:
            ec2.authorize_security_group_egress(GroupId=task_sg, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 2049, "ToPort": 2049, "UserIdGroupPairs": [{"GroupId": efs_sg}]}])
        efs_id = efs.create_file_system(CreationToken="orders-data")["FileSystemId"]
        out["mount_targets"] = [efs.create_mount_target(FileSystemId=efs_id, SubnetId=sn, SecurityGroups=[efs_sg])["MountTargetId"]
                                for sn in subnets]
        out["efs"], out["efs_sg"] = efs_id, efs_sg

    ecs.create_cluster(clusterName="prod")
    image = None
    if "cross_region_image" in mutations:
        image = f"{ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/orders:1"
    bench = [m for m in mutations if m.startswith("bench:")]
    if bench:
        _, n, t = bench[0].split(":")
        tds = [task_definition(ecs, f"app{i:02d}") for i in range(int(t))]
        for i in range(int(n)):
            service(ecs, f"svc{i:03d}", tds[i % len(tds)], subnets, [task_sg])
        out["services"] = [f"svc{i:03d}" for i in range(int(n))]
    elif "sweep3" in mutations:
        td = task_definition(ecs, "orders", efs_id=efs_id)
        for name in ("billing", "orders", "search"):
            service(ecs, name, td, subnets, [task_sg], "ENABLED" if name == "search" else "DISABLED")
        out["services"] = ["billing", "orders", "search"]
    else:
        td = task_definition(ecs, "orders", image=image, efs_id=efs_id)
        service(ecs, "orders", td, subnets, [task_sg], "ENABLED" if "public_ip" in mutations else "DISABLED")
        out["services"] = ["orders"]
        out["task_definition"] = td

    if ec2_svc:
        # An EC2 launch type service in awsvpc mode, "batch", and one
        # container instance in the first subnet with its own group
        # ("ec2_instance_public": with a public IPv4 address).
        td = ecs.register_task_definition(
            family="batch", networkMode="awsvpc", requiresCompatibilities=["EC2"], memory="256",
            containerDefinitions=[{
                "name": "app", "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/batch:1", "essential": True,
                "logConfiguration": {"logDriver": "awslogs", "options": {
                    "awslogs-group": "/ecs/batch", "awslogs-region": REGION, "awslogs-stream-prefix": "app"}},
            }])["taskDefinition"]["taskDefinitionArn"]
        ecs.create_service(cluster="prod", serviceName="batch", taskDefinition=td, desiredCount=1, launchType="EC2",
                           networkConfiguration={"awsvpcConfiguration": {"subnets": subnets, "securityGroups": [batch_sg]}})
        out["services"].append("batch")
        # "ec2_second_instance": another one, in the second subnet.
        ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
        out["instances"] = []
        for sn in subnets[:2 if "ec2_second_instance" in mutations else 1]:
            inst = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro", NetworkInterfaces=[{
                "DeviceIndex": 0, "SubnetId": sn, "Groups": [inst_sg],
                "AssociatePublicIpAddress": "ec2_instance_public" in mutations}])["Instances"][0]["InstanceId"]
            ecs.register_container_instance(cluster="prod", instanceIdentityDocument=json.dumps({
                "instanceId": inst, "region": REGION, "accountId": ACCOUNT, "availabilityZone": "us-east-1a"}))
            out["instances"].append(inst)

    if "bridge" in mutations:
        # An EC2 service in bridge mode: no awsvpcConfiguration at all.
        ecs.register_task_definition(family="worker", networkMode="bridge", requiresCompatibilities=["EC2"],
                                     containerDefinitions=[{"name": "w", "image": "busybox", "memory": 64}])
        ecs.create_service(cluster="prod", serviceName="worker", taskDefinition="worker", desiredCount=1, launchType="EC2")
        out["services"].append("worker")
        if "bridge_instance_vpc2" in mutations:
            # Its container instance, in a VPC of its own that no task
            # subnet is in.
            vpc2 = create_vpc(ec2, "10.2.0.0/16")
            sn2 = ec2.create_subnet(VpcId=vpc2, CidrBlock="10.2.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
            sg2 = ec2.create_security_group(GroupName="workers", Description="workers", VpcId=vpc2)["GroupId"]
            ami = ec2.describe_images(Owners=["amazon"])["Images"][0]["ImageId"]
            inst = ec2.run_instances(ImageId=ami, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                                     SubnetId=sn2, SecurityGroupIds=[sg2])["Instances"][0]["InstanceId"]
            ecs.register_container_instance(cluster="prod", instanceIdentityDocument=json.dumps({
                "instanceId": inst, "region": REGION, "accountId": ACCOUNT, "availabilityZone": "us-east-1a"}))
            out["vpc2"], out["subnet2"], out["sg2"], out["instances"] = vpc2, sn2, sg2, [inst]

    if "second_vpc" in mutations:
        # A second VPC with no endpoints at all, and a service "legacy" in it.
        vpc2 = create_vpc(ec2, "10.1.0.0/16")
        ec2.modify_vpc_attribute(VpcId=vpc2, EnableDnsHostnames={"Value": True})
        sn2 = ec2.create_subnet(VpcId=vpc2, CidrBlock="10.1.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
        sg2 = ec2.create_security_group(GroupName="legacy", Description="legacy", VpcId=vpc2)["GroupId"]
        service(ecs, "legacy", task_definition(ecs, "legacy"), [sn2], [sg2])
        out["vpc2"], out["subnet2"], out["sg2"] = vpc2, sn2, sg2
        out["services"].append("legacy")

    if "iam" in mutations:
        with open(os.path.join(HERE, "..", "..", "..", "audit-policy.json")) as f:
            policy = f.read()
        deny = json.dumps({"Version": "2012-10-17", "Statement": [
            json.loads(policy)["Statement"][0],
            {"Effect": "Deny", "Action": "ec2:DescribeVpcEndpoints", "Resource": "*"}]})
        out["users"] = {}
        for user, doc in (("auditor", policy), ("denied", deny)):
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName="audit", PolicyDocument=doc)
            key = iam.create_access_key(UserName=user)["AccessKey"]
            out["users"][user] = {"key": key["AccessKeyId"], "secret": key["SecretAccessKey"]}

    return out


def main():
    endpoint, args = sys.argv[1], sys.argv[2:]
    ec2, ecs, iam, efs = clients(endpoint)
    if args != ["--serve"]:
        json.dump(seed(ec2, ecs, iam, efs, set(args)), sys.stdout)
        return
    for line in sys.stdin:
        try:
            out = seed(ec2, ecs, iam, efs, set(line.split()))
        except Exception as e:  # report it to the test, keep serving
            out = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
