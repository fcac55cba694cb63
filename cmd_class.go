package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	tea "charm.land/bubbletea/v2"

	"crdtviz/class"
	"crdtviz/crdt"
	"crdtviz/model"
	"crdtviz/replicas"
)

const classUsage = `Usage:
  crdtviz class start --type TYPE --name NAME [--bind ADDR:PORT] [--mode state|delta] [--key HEX] [--script FILE] [--record FILE]
  crdtviz class join HOST:PORT CODE [--name NAME] [--bind ADDR:PORT]
  crdtviz class join HOST:PORT --key HEX [--teacher CODE] [--name NAME] [--bind ADDR:PORT]
  crdtviz class replay FILE [--all] [--only A,B] [--transcript --diagram [--width N] | --svg -o OUT.svg]

Classroom mode: every laptop is a replica, over the real network. The
teacher starts a class; the screen shows the line students type to join,
with the class's join code (KQ4T-9WZM-3XH7-P2LC: the teacher key's
fingerprint). Scripts may give the class key itself with --key instead.
Both take --headless (statements on stdin, JSON lines on stdout) and
--log FILE (the network library's log). With --record FILE the teacher
keeps the room's own space-time diagram: every member records what it
sent and received, and E (or quitting) collects the records into FILE;
class replay FILE shows it. See docs/classroom.md.
`

// classFlags are the flags start and join share.
type classFlags struct {
	name, bind, key, log, teacher *string
	headless                      *bool
	look                          lookFlags
}

func cmdClass(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "crdtviz class: say start, join or replay\n\n%s", classUsage)
		return exitUsage
	}
	switch args[0] {
	case "-h", "--help", "-help", "help":
		fmt.Fprint(stdout, classUsage)
		return 0
	case "start":
		return cmdClassStart(args[1:], stdout, stderr)
	case "join":
		return cmdClassJoin(args[1:], stdout, stderr)
	case "replay":
		return cmdClassReplay(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "crdtviz class: unknown command %q: say start, join or replay\n\n%s", args[0], classUsage)
	return exitUsage
}

func addClassFlags(fs interface {
	String(name, value, usage string) *string
	Bool(name string, value bool, usage string) *bool
}) classFlags {
	return classFlags{
		name:     fs.String("name", "", "your name in the class (a replica name: at most 24 characters)"),
		bind:     fs.String("bind", "", "ADDR:PORT to listen on (default 0.0.0.0:7946, or a free port if it is taken)"),
		key:      fs.String("key", "", "the class key, 64 hex digits, instead of a join code (for scripts)"),
		teacher:  fs.String("teacher", "", "with --key: the join code the teacher key must match (without it, the first teacher key met is trusted)"),
		log:      fs.String("log", "", "write the network library's log to FILE"),
		headless: fs.Bool("headless", false, "no screen: statements on stdin, one JSON object per line on stdout"),
	}
}

func cmdClassStart(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("class start", "class start --type TYPE --name NAME [--bind ADDR:PORT] [--mode state|delta] [--key HEX] [--headless]\n\nStarts a class: this process is its first replica, and its teacher.", stderr)
	typ := fs.String("type", "", "the CRDT type: "+typeList())
	mode := fs.String("mode", "delta", "what an edit's broadcast carries: delta, or the whole state")
	scriptFile := fs.String("script", "", "a class script: the lesson's controls, one per → press (see docs/classroom.md)")
	recordFile := fs.String("record", "", "keep the room's own space-time diagram: E (and quitting) collects every member's record into FILE")
	force := fs.Bool("force", false, "with --record: overwrite an existing file")
	cf := addClassFlags(fs)
	cf.look = addLookFlags(fs)
	if code := parseNoArgs(fs, args); code >= 0 {
		return code
	}
	if *typ == "" {
		return usageFail(stderr, "class start", "say which type with --type: "+typeList())
	}
	t, err := crdt.ParseType(*typ)
	if err != nil {
		return usageFail(stderr, "class start", err.Error())
	}
	m, err := replicas.ParseMode(*mode)
	if err != nil || m == replicas.ModeOp {
		return usageFail(stderr, "class start", fmt.Sprintf("--mode %q: a class replicates by state or by delta", *mode))
	}
	var script *class.Script
	if *scriptFile != "" {
		if *cf.headless {
			return usageFail(stderr, "class start", "--script runs on the teacher's screen, one line per → press; with --headless, type the lines on stdin")
		}
		sc, err := loadScript(*scriptFile)
		if err != nil {
			fmt.Fprintf(stderr, "crdtviz: %v\n", err)
			return exitUsage
		}
		script = sc
	}
	opts, look, code := cf.prepare("class start", stderr)
	if code >= 0 {
		return code
	}
	if opts.Name == "" {
		return usageFail(stderr, "class start", "say your name with --name")
	}
	if *cf.teacher != "" {
		return usageFail(stderr, "class start", "--teacher is for class join")
	}
	if *force && *recordFile == "" {
		return usageFail(stderr, "class start", "--force goes with --record FILE")
	}
	if *recordFile != "" {
		dest, err := checkTarget(*recordFile, *force, "--record")
		if err != nil {
			return usageFail(stderr, "class start", err.Error())
		}
		opts.Record = *recordFile
		opts.SaveRecord = func(b []byte) error { return writeAtomic(dest, b) }
		look.Record = true
	}
	look.Script = script
	opts.Type, opts.Mode = t, m
	return cf.serve(opts, look, class.Start, stdout, stderr)
}

func cmdClassJoin(args []string, stdout, stderr io.Writer) int {
	fs := newFlags("class join", "class join HOST:PORT CODE [--name NAME] [--bind ADDR:PORT] [--headless]\n       class join HOST:PORT --key HEX [--teacher CODE] ...\n\nJoins a class. Its type and mode come from the class.", stderr)
	cf := addClassFlags(fs)
	cf.look = addLookFlags(fs)
	pos, code := parseFlags(fs, args)
	if code >= 0 {
		return code
	}
	if len(pos) < 1 || len(pos) > 2 {
		return usageFail(stderr, "class join", "give the class's HOST:PORT and its join code, as the teacher's screen shows them")
	}
	opts, look, code := cf.prepare("class join", stderr)
	if code >= 0 {
		return code
	}
	switch {
	case len(pos) == 2 && opts.Key != nil:
		return usageFail(stderr, "class join", "give the join code or --key, not both")
	case len(pos) == 2:
		c, err := class.ParseCode(pos[1])
		if err != nil {
			return usageFail(stderr, "class join", err.Error())
		}
		opts.Code = c
	case opts.Key == nil:
		return usageFail(stderr, "class join", "give the join code after the address (the teacher's screen shows the whole line)")
	}
	if *cf.teacher != "" {
		c, err := class.ParseCode(*cf.teacher)
		if err != nil {
			return usageFail(stderr, "class join", "--teacher: "+err.Error())
		}
		opts.Teacher = c
	}
	if opts.Name == "" {
		if *cf.headless || !terminal() {
			return usageFail(stderr, "class join", "say your name with --name")
		}
		name, err := askName(os.Stdin, stderr)
		if err != nil {
			return fail(stderr, err)
		}
		opts.Name = name
	}
	join := func(o class.Options) (*class.Node, error) { return class.Join(pos[0], o) }
	return cf.serve(opts, look, join, stdout, stderr)
}

// prepare checks the flags start and join share, and the screen's, before
// anything joins the network. It returns the exit code when they end the
// command (-1 to go on).
func (cf classFlags) prepare(cmd string, stderr io.Writer) (class.Options, model.ClassOptions, int) {
	opts, code := cf.options(cmd, stderr)
	if code >= 0 {
		return opts, model.ClassOptions{}, code
	}
	look, code := cf.screen(stderr)
	return opts, look, code
}

// serve starts or joins the class, then runs the screen or headless mode
// until the user leaves.
func (cf classFlags) serve(opts class.Options, look model.ClassOptions, connect func(class.Options) (*class.Node, error), stdout, stderr io.Writer) int {
	closeLog, err := openClassLog(*cf.log, &opts)
	if err != nil {
		return fail(stderr, err)
	}
	defer closeLog()
	n, err := connect(opts)
	if err != nil {
		return fail(stderr, err)
	}
	if *cf.headless {
		return runHeadless(n, os.Stdin, stdout, stderr)
	}
	if j := n.JoinLine(); j != "" {
		// Printed as well as shown: it stays in the terminal after the
		// class screen closes.
		fmt.Fprintln(stdout, "Students join with: "+j)
	}
	code := runClassTUI(n, look, stderr)
	if r := n.LastRecorded(); r != nil {
		fmt.Fprintln(stdout, r.String())
	}
	return code
}

// options checks the shared flags. It returns the exit code when they end
// the command (-1 to go on).
func (cf classFlags) options(cmd string, stderr io.Writer) (class.Options, int) {
	opts := class.Options{Name: strings.TrimSpace(*cf.name), Bind: *cf.bind}
	if opts.Name != "" {
		if err := replicas.CheckName(opts.Name); err != nil {
			return opts, usageFail(stderr, cmd, "--name: "+err.Error())
		}
	}
	if *cf.key != "" {
		k, err := class.ParseKey(*cf.key)
		if err != nil {
			return opts, usageFail(stderr, cmd, "--key: "+err.Error())
		}
		opts.Key = k
	}
	return opts, -1
}

// screen checks the screen's flags and that there is a terminal for it,
// before anything joins the network.
func (cf classFlags) screen(stderr io.Writer) (model.ClassOptions, int) {
	if *cf.headless {
		return model.ClassOptions{}, -1
	}
	o, err := cf.look.options()
	if err != nil {
		return model.ClassOptions{}, fail(stderr, err)
	}
	if !terminal() {
		fmt.Fprintln(stderr, notATerminal+" (or use --headless)")
		return model.ClassOptions{}, 1
	}
	return model.ClassOptions{Theme: o.Theme, ThemeFixed: o.ThemeFixed, ASCII: o.ASCII}, -1
}

// runClassTUI runs the class screen until the user leaves. A signal
// (SIGINT, SIGTERM, SIGHUP) leaves the class gracefully too.
func runClassTUI(n *class.Node, opts model.ClassOptions, stderr io.Writer) int {
	p := tea.NewProgram(model.NewClass(n, opts), tea.WithoutSignalHandler())
	var suspending atomic.Bool
	ended := handleSignals(p, &suspending)
	_, runErr := p.Run()
	_ = n.Leave() // after q it has left already; Leave again does nothing
	switch sig := ended(); {
	case sig == syscall.SIGINT:
		return exitInterrupt
	case sig == syscall.SIGTERM:
		return exitTerminate
	case sig == syscall.SIGHUP:
		return exitHangup
	case runErr != nil && !errors.Is(runErr, tea.ErrInterrupted):
		fmt.Fprintf(stderr, "crdtviz: %v\n", runErr)
		return 1
	}
	return 0
}

// loadScript reads and checks a class script: its errors name
// file:line:col.
func loadScript(path string) (*class.Script, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--script: %v", err)
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, class.MaxScriptBytes+1))
	if err != nil {
		return nil, fmt.Errorf("--script: %v", err)
	}
	return class.ParseScript(path, src)
}

// askName asks for a name on the terminal, until one is valid.
func askName(in io.Reader, out io.Writer) (string, error) {
	r := bufio.NewScanner(in)
	for {
		fmt.Fprint(out, "Your name in the class (at most 24 characters): ")
		if !r.Scan() {
			return "", fmt.Errorf("no name given")
		}
		name := strings.TrimSpace(r.Text())
		if err := replicas.CheckName(name); err != nil {
			fmt.Fprintf(out, "%v\n", err)
			continue
		}
		return name, nil
	}
}

func openClassLog(path string, opts *class.Options) (func(), error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("--log: %v", err)
	}
	opts.Log = f
	return func() { _ = f.Close() }, nil
}

// runHeadless runs a class process without a screen: each line of stdin
// is a statement, and every event, status and error is one JSON object on
// stdout. Closing stdin leaves the class and exits 0.
func runHeadless(n *class.Node, stdin io.Reader, stdout, stderr io.Writer) int {
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	write := func(v any) bool { return enc.Encode(v) == nil }
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
		readErr <- sc.Err()
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	flush := func() bool {
		for _, ev := range n.Drain() {
			if !write(ev) {
				return false
			}
		}
		return true
	}
	leave := func(code int) int {
		_ = n.Leave()
		flush()
		return code
	}
	if !flush() {
		return leave(1)
	}
	for {
		select {
		case <-n.Notify():
			if !flush() {
				return leave(1)
			}
		case <-n.Done():
			// Kicked out by the teacher: the node has left already.
			flush()
			return 1
		case line := <-lines:
			st, _, err := n.Do(line)
			ok := flush()
			switch {
			case err != nil:
				ok = write(class.Event{Event: "error", Text: err.Error()}) && ok
			case st != nil:
				ok = write(st) && ok
			}
			if !ok {
				return leave(1)
			}
		case err := <-readErr:
			if err != nil {
				fmt.Fprintf(stderr, "crdtviz: reading stdin: %v\n", err)
				return leave(1)
			}
			return leave(0)
		case s := <-sigs:
			return leave(map[os.Signal]int{os.Interrupt: exitInterrupt, syscall.SIGTERM: exitTerminate, syscall.SIGHUP: exitHangup}[s])
		}
	}
}
