package config

import (
	"reflect"
	"testing"
)

func TestLogRoutes(t *testing.T) {
	tests := []struct {
		name    string
		driver  string
		options map[string]string
		want    []LogRoute
	}{
		{"awslogs", "awslogs", map[string]string{"awslogs-region": "eu-west-1"},
			[]LogRoute{{Service: "logs", Region: "eu-west-1", Option: "awslogs log driver"}}},
		{"awslogs without a region", "awslogs", nil,
			[]LogRoute{{Service: "logs", Option: "awslogs log driver"}}},
		{"awslogs-endpoint of a VPC endpoint", "awslogs", map[string]string{"awslogs-region": "us-east-1",
			"awslogs-endpoint": "https://vpce-0a1b-c2d3.logs.us-east-1.vpce.amazonaws.com"},
			[]LogRoute{{Host: "vpce-0a1b-c2d3.logs.us-east-1.vpce.amazonaws.com", Port: 443,
				Option: "awslogs-endpoint https://vpce-0a1b-c2d3.logs.us-east-1.vpce.amazonaws.com"}}},
		{"awslogs-endpoint with a port", "awslogs", map[string]string{"awslogs-endpoint": "https://Logs.Proxy.example:8443/"},
			[]LogRoute{{Host: "logs.proxy.example", Port: 8443, Option: "awslogs-endpoint https://Logs.Proxy.example:8443/"}}},
		{"awslogs-endpoint over http", "awslogs", map[string]string{"awslogs-endpoint": "http://10.0.5.10"},
			[]LogRoute{{Host: "10.0.5.10", Port: 80, Option: "awslogs-endpoint http://10.0.5.10"}}},
		{"awslogs-endpoint without a scheme", "awslogs", map[string]string{"awslogs-endpoint": "logs.internal.example"},
			[]LogRoute{{Host: "logs.internal.example", Port: 443, Option: "awslogs-endpoint logs.internal.example"}}},
		{"awslogs-endpoint that is no URL falls back to logs", "awslogs", map[string]string{"awslogs-endpoint": "https://:99999"},
			[]LogRoute{{Service: "logs", Option: "awslogs log driver"}}},
		{"FireLens cloudwatch_logs", "awsfirelens", map[string]string{"Name": "cloudwatch_logs", "region": "us-west-2"},
			[]LogRoute{{Service: "logs", Region: "us-west-2", Option: "awsfirelens output cloudwatch_logs"}}},
		{"FireLens cloudwatch (Go plugin)", "awsfirelens", map[string]string{"Name": "cloudwatch"},
			[]LogRoute{{Service: "logs", Option: "awsfirelens output cloudwatch"}}},
		{"FireLens kinesis", "awsfirelens", map[string]string{"Name": "Kinesis", "region": "eu-west-1"},
			[]LogRoute{{Service: "kinesis-streams", Region: "eu-west-1", Option: "awsfirelens output kinesis"}}},
		{"FireLens kinesis_streams", "awsfirelens", map[string]string{"Name": "kinesis_streams"},
			[]LogRoute{{Service: "kinesis-streams", Option: "awsfirelens output kinesis_streams"}}},
		{"FireLens firehose", "awsfirelens", map[string]string{"Name": "firehose", "region": "ap-south-1"},
			[]LogRoute{{Service: "firehose", Region: "ap-south-1", Option: "awsfirelens output firehose"}}},
		{"FireLens kinesis_firehose", "awsfirelens", map[string]string{"Name": "kinesis_firehose"},
			[]LogRoute{{Service: "firehose", Option: "awsfirelens output kinesis_firehose"}}},
		{"FireLens s3", "awsfirelens", map[string]string{"Name": "s3", "region": "us-east-1", "bucket": "logs"},
			[]LogRoute{{Service: "s3", Region: "us-east-1", Option: "awsfirelens output s3"}}},
		{"FireLens output endpoint", "awsfirelens", map[string]string{"Name": "cloudwatch_logs", "endpoint": "logs.proxy.example:9443"},
			[]LogRoute{{Host: "logs.proxy.example", Port: 9443, Option: "awsfirelens output cloudwatch_logs endpoint logs.proxy.example:9443"}}},
		{"FireLens third party", "awsfirelens", map[string]string{"Name": "datadog"}, nil},
		{"FireLens without Name", "awsfirelens", nil, nil},
		{"json-file", "json-file", map[string]string{"awslogs-region": "us-east-1"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LogRoutes(tt.driver, tt.options); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v; want %+v", got, tt.want)
			}
		})
	}
}
