// Command fakenode stands in for kbnode in the docker provider's plumbing
// tests while (or where) the real modes are not under test: it takes kbnode's
// command line (start/format, --override key=value, -c file), binds every
// listener, and serves GET /status. Its view of the controller depends only on
// the network, which is what those tests exercise: a KRaft voter is active
// when it is the lowest-numbered voter it can reach and it reaches a
// majority; a ZooKeeper-mode broker 1 is active while it reaches ZooKeeper.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type status struct {
	NodeID             int32
	Mode               string
	Roles              []string
	ActiveControllerID int32
	Active             bool
	Registered         bool
	Digest             string
}

func main() {
	props := map[string]string{}
	for i := 2; i < len(os.Args); i++ {
		switch os.Args[i] {
		case "--override":
			k, v, _ := strings.Cut(os.Args[i+1], "=")
			props[k] = v
			i++
		case "-c":
			readProps(os.Args[i+1], props)
			i++
		}
	}
	if os.Args[1] == "format" {
		dir := props["metadata.log.dir"]
		must(os.MkdirAll(dir, 0o755))
		must(os.WriteFile(filepath.Join(dir, "meta.properties"), []byte("node.id="+props["node.id"]+"\n"), 0o644))
		return
	}
	for _, l := range strings.Split(props["listeners"], ",") {
		_, addr, _ := strings.Cut(l, "://")
		ln, err := net.Listen("tcp", addr)
		must(err)
		go func() {
			for {
				if c, err := ln.Accept(); err == nil {
					c.Close()
				}
			}
		}()
	}
	http.HandleFunc("GET /status", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(view(props))
	})
	go func() { must(http.ListenAndServe(props["kraftbench.status.listener"], nil)) }()
	fmt.Println("kbnode ready node.id=" + props["node.id"])
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}

func view(props map[string]string) status {
	id, _ := strconv.Atoi(props["node.id"])
	st := status{NodeID: int32(id), ActiveControllerID: -1, Digest: "fake"}
	if roles := props["process.roles"]; roles != "" {
		st.Mode, st.Roles = "kraft", strings.Split(roles, ",")
		var reach []int
		voters := strings.Split(props["controller.quorum.voters"], ",")
		for _, v := range voters {
			vid, addr, _ := strings.Cut(v, "@")
			if n, _ := strconv.Atoi(vid); n == id || dial(addr) {
				reach = append(reach, n)
			}
		}
		sort.Ints(reach)
		if len(reach) > len(voters)/2 {
			st.ActiveControllerID = int32(reach[0])
			st.Active = reach[0] == id
		}
	} else {
		st.Mode, st.Roles = "zk", []string{"broker"}
		if dial(strings.Split(props["zookeeper.connect"], ",")[0]) {
			st.ActiveControllerID, st.Active = 1, id == 1
		}
	}
	st.Registered = strings.Contains(strings.Join(st.Roles, ","), "broker") && st.ActiveControllerID >= 0
	return st
}

func dial(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err == nil {
		c.Close()
	}
	return err == nil
}

func readProps(path string, props map[string]string) {
	f, err := os.Open(path)
	must(err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok && !strings.HasPrefix(k, "#") {
			props[k] = v
		}
	}
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakenode:", err)
		os.Exit(1)
	}
}
