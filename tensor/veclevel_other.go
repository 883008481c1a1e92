//go:build !amd64 || purego

package tensor

import "fmt"

func vectorLevels() []string { return []string{"go"} }

func setVectorLevel(level string) error {
	if level != "" && level != "go" {
		return fmt.Errorf("tensor: vector level %q: this build runs [go]", level)
	}
	return nil
}

func vectorLevel() string { return "go" }
