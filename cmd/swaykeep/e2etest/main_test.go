package e2etest

import "testing"

func TestMain(m *testing.M) { Main(m) }
