package e2e

import (
	"os"
	"os/exec"
	"testing"
)

// requireTools skips when a tool is missing, except in CI (CI=true), where
// the machine image provides them and their absence is a failure.
func requireTools(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is required in CI: %v", tool, err)
			}
			t.Skipf("%s not installed (it comes with the AWS CLI / moto[server]); this test is required in CI", tool)
		}
	}
}

// awsEnv is a dummy-credential environment that cannot reach real AWS.
func awsEnv(endpoint string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + os.TempDir(),
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_SESSION_TOKEN=testing",
		"AWS_DEFAULT_REGION=" + region, "AWS_REGION=" + region,
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_ENDPOINT_URL=" + endpoint, "AWS_EC2_METADATA_DISABLED=true",
	}
}
