package zkensemble

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kraftbench/kraftbench/internal/textutil"
)

// server is one ZooKeeper process: its directory, ports and, while it runs,
// its process group.
type server struct {
	myid                               int
	dir                                string
	clientPort, peerPort, electionPort int

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when the running process has exited
	err  error         // the process's exit status, once done
}

func (s *server) clientAddr() string {
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.clientPort))
}

func (s *server) cfgPath() string { return filepath.Join(s.dir, "zoo.cfg") }

// LogPath is the file the server's stdout and stderr (its log) go to.
func (s *server) logPath() string { return filepath.Join(s.dir, "zookeeper.out") }

// writeConfig writes zoo.cfg, data/myid and the logging configs of both
// backends ZooKeeper may be built with (log4j 1.2 in Debian's 3.8 package,
// logback in Apache's 3.8 tarball). The server directory goes first on the
// class path, so these configs win over any installed ones.
func (s *server) writeConfig(all []*server, o Options) error {
	data := filepath.Join(s.dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "tickTime=%d\n", o.TickTime.Milliseconds())
	fmt.Fprintf(&b, "initLimit=10\nsyncLimit=5\n")
	fmt.Fprintf(&b, "dataDir=%s\n", data)
	fmt.Fprintf(&b, "clientPort=%d\nclientPortAddress=127.0.0.1\n", s.clientPort)
	fmt.Fprintf(&b, "maxSessionTimeout=%d\n", o.MaxSessionTimeout.Milliseconds())
	fmt.Fprintf(&b, "maxClientCnxns=0\nadmin.enableServer=false\n")
	fmt.Fprintf(&b, "4lw.commands.whitelist=srvr,ruok,stat,mntr,cons\n")
	fmt.Fprintf(&b, "autopurge.purgeInterval=0\n")
	if !o.Fsync {
		b.WriteString("forceSync=no\n")
	}
	if len(all) > 1 {
		for _, p := range all {
			fmt.Fprintf(&b, "server.%d=127.0.0.1:%d:%d\n", p.myid, p.peerPort, p.electionPort)
		}
	}
	files := map[string]string{
		s.cfgPath():                              b.String(),
		filepath.Join(data, "myid"):              strconv.Itoa(s.myid) + "\n",
		filepath.Join(s.dir, "log4j.properties"): log4jConfig,
		filepath.Join(s.dir, "logback.xml"):      logbackConfig,
	}
	for path, content := range files {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

const log4jConfig = `log4j.rootLogger=INFO, CONSOLE
log4j.appender.CONSOLE=org.apache.log4j.ConsoleAppender
log4j.appender.CONSOLE.layout=org.apache.log4j.PatternLayout
log4j.appender.CONSOLE.layout.ConversionPattern=%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n
`

const logbackConfig = `<configuration>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{ISO8601} - %-5p [%t:%C{1}@%L] - %m%n</pattern></encoder>
  </appender>
  <root level="INFO"><appender-ref ref="CONSOLE"/></root>
</configuration>
`

// start launches the server in its own process group. Pdeathsig kills it if
// the Go process dies without running Stop (a test binary's timeout panic).
func (s *server) start(inst Install, o Options) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return fmt.Errorf("server %d is already running", s.myid)
	}
	out, err := os.OpenFile(s.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cp := strings.Join(append([]string{s.dir}, inst.ClassPath...), string(os.PathListSeparator))
	args := []string{
		fmt.Sprintf("-Xmx%dm", o.HeapMB), "-XX:+UseSerialGC", "-Djava.net.preferIPv4Stack=true",
		"-Dzookeeper.admin.enableServer=false", "-Dlogback.configurationFile=" + filepath.Join(s.dir, "logback.xml"),
		"-cp", cp, "org.apache.zookeeper.server.quorum.QuorumPeerMain", s.cfgPath(),
	}
	cmd := exec.Command(inst.Java, args...)
	cmd.Dir = s.dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("start %s: %w", inst.Java, err)
	}
	done := make(chan struct{})
	s.cmd, s.done = cmd, done
	go func() {
		err := cmd.Wait()
		out.Close()
		s.mu.Lock()
		s.err = err
		s.cmd = nil
		s.mu.Unlock()
		close(done)
	}()
	return nil
}

// running returns the exit channel of the current process, or nil.
func (s *server) running() chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	return s.done
}

// signal sends sig to the server's whole process group and waits up to grace
// for it to exit; it returns false if it is still running.
func (s *server) signal(sig syscall.Signal, grace time.Duration) bool {
	s.mu.Lock()
	cmd, done := s.cmd, s.done
	s.mu.Unlock()
	if cmd == nil {
		return true
	}
	_ = syscall.Kill(-cmd.Process.Pid, sig)
	select {
	case <-done:
		return true
	case <-time.After(grace):
		return false
	}
}

// stop asks the server to exit (SIGTERM) and kills it after grace.
func (s *server) stop(grace time.Duration) {
	if !s.signal(syscall.SIGTERM, grace) {
		s.signal(syscall.SIGKILL, 10*time.Second)
	}
}

// exited describes why the process is not running, with the end of its log.
func (s *server) exited() error {
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	return fmt.Errorf("zookeeper server %d exited (%v); end of %s:\n%s", s.myid, err, s.logPath(), tail(s.logPath(), 15))
}

func tail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	return textutil.LastLines(string(b), lines)
}

// Srvr sends the srvr four-letter word to the server at addr and returns
// its mode (leader, follower, standalone), or an error while it is not
// serving (a server without a quorum answers "This ZooKeeper instance is not
// currently serving requests"). Every ensemble this project starts
// whitelists srvr (4lw.commands.whitelist).
func Srvr(ctx context.Context, addr string) (string, error) { return srvr(ctx, addr) }

func srvr(ctx context.Context, addr string) (string, error) {
	d := net.Dialer{Timeout: time.Second}
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("srvr")); err != nil {
		return "", err
	}
	var b strings.Builder
	buf := make([]byte, 1024)
	for {
		n, err := c.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	for _, line := range strings.Split(b.String(), "\n") {
		if mode, ok := strings.CutPrefix(line, "Mode: "); ok {
			return strings.TrimSpace(mode), nil
		}
	}
	return "", errors.New(strings.TrimSpace(b.String()))
}
