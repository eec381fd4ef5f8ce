package zkensemble

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNotInstalled is returned (wrapped) when Java or the ZooKeeper jars
// cannot be found. Its message says how to install them.
var ErrNotInstalled = errors.New("ZooKeeper is not installed: install Debian's zookeeper package " +
	"(apt-get install zookeeper, which brings Java 17) or set ZOOKEEPER_HOME to an Apache ZooKeeper " +
	"binary distribution and put java on PATH (or set JAVA_HOME)")

// debianJar is where Debian's zookeeper package installs the server jar. Its
// manifest Class-Path brings every dependency but an SLF4J binding.
const debianJar = "/usr/share/java/zookeeper.jar"

// debianLogging are the jars that give the Debian server a log4j backend; they
// are added when present (without them SLF4J falls back to its no-op logger).
// Adding all of /usr/share/java instead breaks the server's logging start-up.
var debianLogging = []string{"/usr/share/java/slf4j-log4j12.jar", "/usr/share/java/log4j-1.2.jar"}

// Install is where a ZooKeeper installation was found.
type Install struct {
	Java      string   // the java executable
	ClassPath []string // jars (or a lib/* wildcard), without the per-server config dir
	Source    string   // "ZOOKEEPER_HOME=..." or the Debian jar path, for messages
}

// Locate finds Java and ZooKeeper. zkHome, when empty, is taken from the
// ZOOKEEPER_HOME environment variable; when that is empty too, Debian's layout
// is used.
func Locate(zkHome string) (Install, error) {
	java, err := findJava()
	if err != nil {
		return Install{}, err
	}
	if zkHome == "" {
		zkHome = os.Getenv("ZOOKEEPER_HOME")
	}
	if zkHome != "" {
		return locateHome(java, zkHome)
	}
	if _, err := os.Stat(debianJar); err != nil {
		return Install{}, fmt.Errorf("%w (no %s, ZOOKEEPER_HOME unset)", ErrNotInstalled, debianJar)
	}
	cp := []string{debianJar}
	for _, j := range debianLogging {
		if _, err := os.Stat(j); err == nil {
			cp = append(cp, j)
		}
	}
	return Install{Java: java, ClassPath: cp, Source: debianJar}, nil
}

// locateHome uses an Apache tarball layout: $ZOOKEEPER_HOME/lib/*.jar holds
// the server jar and its dependencies (logback included since 3.8).
func locateHome(java, home string) (Install, error) {
	jars, _ := filepath.Glob(filepath.Join(home, "lib", "*.jar"))
	top, _ := filepath.Glob(filepath.Join(home, "zookeeper-*.jar"))
	jars = append(jars, top...)
	found := false
	for _, j := range jars {
		if b := filepath.Base(j); strings.HasPrefix(b, "zookeeper-") && !strings.Contains(b, "jute") {
			found = true
		}
	}
	if !found {
		return Install{}, fmt.Errorf("%w (ZOOKEEPER_HOME=%s has no lib/zookeeper-*.jar)", ErrNotInstalled, home)
	}
	return Install{Java: java, ClassPath: jars, Source: "ZOOKEEPER_HOME=" + home}, nil
}

func findJava() (string, error) {
	if h := os.Getenv("JAVA_HOME"); h != "" {
		p := filepath.Join(h, "bin", "java")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	p, err := exec.LookPath("java")
	if err != nil {
		return "", fmt.Errorf("%w (java not found on PATH: %v)", ErrNotInstalled, err)
	}
	return p, nil
}
