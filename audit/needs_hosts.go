package audit

// hostNeedParts splits a container definition, on the EC2 and EXTERNAL
// launch types, into what the container instance does for it and what
// the task does itself. The container agent and the Docker daemon run on
// the host, in its network namespace: they pull the image (and fetch
// repositoryCredentials), retrieve secrets (container secrets and the log
// configuration's secretOptions), fetch a FireLens configuration file
// from S3 and ship awslogs logs, through the
// instance's primary network interface even for an awsvpc task (AWS says
// so for ECS Managed Instances in "Allocate a network interface for tasks
// on Amazon ECS Managed Instances"; the EC2 launch type runs the same
// agent and runtime). Everything else a container reaches (a FireLens
// router's outputs, its own connections) leaves by the task's network.
//
// EFS volumes are not here: for an awsvpc task the agent mounts them
// inside the task's network namespace (the netns mount option of the EFS
// mount helper), so the task ENI carries NFS; in bridge and host mode the
// task's network is the instance's anyway.
func hostNeedParts(ct Container) (host, task Container) {
	host = Container{Name: ct.Name, Image: ct.Image, RepositoryCredentials: ct.RepositoryCredentials, Secrets: ct.Secrets}
	task = ct
	task.Image, task.RepositoryCredentials, task.Secrets = "", "", nil
	if ct.LogDriver == "awslogs" {
		host.LogDriver, host.LogOptions = ct.LogDriver, ct.LogOptions
		task.LogDriver, task.LogOptions = "", nil
	}
	// The agent fetches a log router's FireLens configuration file from
	// S3 (which only EC2 supports) before the router starts; the router's
	// outputs stay with the task.
	host.FireLens, task.FireLens = ct.FireLens, nil
	return host, task
}
