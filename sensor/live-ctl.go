package sensor

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"
)

// The control socket: a unix stream socket on which `nightjar ctl` asks a running sensor to do
// something. One request per connection, one JSON line each way:
//
//	→ {"command":"reload"}
//	← {"ok":true,"rules_loaded":…}
//
// The socket is made before privileges are dropped and belongs to the user who started the
// sensor, mode 0600, so only that user (root, for a service) may send commands.

// CtlSocketName is the control socket's name in the log directory when --ctl-socket is not given.
const CtlSocketName = "nightjar.sock"

// CtlSocketOff as --ctl-socket runs the sensor without a control socket.
const CtlSocketOff = "off"

// maxCtlRequest bounds a request line.
const maxCtlRequest = 4 << 10

// DefaultCtlSocket is where a sensor writing its logs to outDir listens for `nightjar ctl`.
func DefaultCtlSocket(outDir string) string { return filepath.Join(outDir, CtlSocketName) }

// ctlRequest is a command sent to the control socket.
type ctlRequest struct {
	Command string `json:"command"`
}

// ctlError is the answer to a request that could not be run.
type ctlError struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

type ctlServer struct {
	ln   *net.UnixListener
	path string
}

// listenControl opens the control socket at path. A socket left behind by a sensor that is no
// longer running is replaced; one that still answers is an error (two sensors, one path).
func listenControl(path string) (*ctlServer, error) {
	// sun_path holds 108 bytes with the terminating NUL.
	if len(path) > 107 {
		return nil, fmt.Errorf("control socket %s: path longer than 107 bytes; give a shorter --ctl-socket", path)
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode()&fs.ModeSocket == 0 {
			return nil, fmt.Errorf("control socket %s: exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("control socket %s: another sensor is listening on it", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("control socket: removing the stale %s: %w", path, err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return &ctlServer{ln: ln, path: path}, nil
}

// serve answers requests until the socket is closed; each connection has a goroutine, and the
// reloader lets one reload run at a time.
func (c *ctlServer) serve(r *reloader, log *slog.Logger) {
	log.Info("control socket", "path", c.path)
	go func() {
		for {
			conn, err := c.ln.AcceptUnix()
			if err != nil {
				if !errors.Is(err, net.ErrClosed) {
					log.Error("control socket", "err", err)
				}
				return
			}
			go c.answer(conn, r, log)
		}
	}()
}

func (c *ctlServer) answer(conn *net.UnixConn, r *reloader, log *slog.Logger) {
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(conn, maxCtlRequest)).ReadBytes('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return
	}
	var req ctlRequest
	var reply any
	switch {
	case json.Unmarshal(line, &req) != nil:
		reply = ctlError{Error: "bad request: want one JSON line such as {\"command\":\"reload\"}"}
	case req.Command == "reload":
		log.Info("rule reload requested", "from", "control socket")
		reply = r.reload(nil)
	default:
		reply = ctlError{Error: fmt.Sprintf("unknown command %q (known: reload)", req.Command)}
	}
	b, _ := json.Marshal(reply)
	_ = conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	_, _ = conn.Write(append(b, '\n'))
}

// close stops listening and removes the socket file.
func (c *ctlServer) close() { c.ln.Close() }

// Control sends command to the sensor listening on the control socket at path and returns its
// JSON answer. A reload can take as long as compiling the rules does; ctx bounds the wait.
func Control(ctx context.Context, path, command string) (json.RawMessage, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket %s: %w (is `nightjar run` running with this socket?)", path, err)
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	req, _ := json.Marshal(ctlRequest{Command: command})
	if _, err := conn.Write(append(req, '\n')); err != nil {
		return nil, fmt.Errorf("control socket %s: %w", path, err)
	}
	line, err := bufio.NewReader(conn).ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("control socket %s: no answer: %w", path, err)
	}
	if !json.Valid(line) {
		return nil, fmt.Errorf("control socket %s: answer is not JSON: %q", path, line)
	}
	return json.RawMessage(line), nil
}

// openControl opens the control socket RunOptions asks for, before privileges are dropped. A
// socket given with --ctl-socket must open; the default one is a convenience, and when it
// cannot be made the sensor says so and runs without it.
func openControl(opts *RunOptions, log *slog.Logger) (*ctlServer, error) {
	if opts.CtlSocket == CtlSocketOff {
		return nil, nil
	}
	if opts.CtlSocket != "" {
		return listenControl(opts.CtlSocket)
	}
	c, err := listenControl(DefaultCtlSocket(opts.OutDir))
	if err != nil {
		log.Warn("running without a control socket (`nightjar ctl` will not reach this sensor)", "err", err)
		return nil, nil
	}
	return c, nil
}
