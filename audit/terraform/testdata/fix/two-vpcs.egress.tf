# Nothing to do (us-east-1): the task security groups hold exactly the least egress set, and no
#  allow-all.
