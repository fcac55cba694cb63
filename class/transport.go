package class

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"
)

// blockTransport wraps memberlist's network transport to make the
// teacher's partition real: it drops packets to and from the members on
// the other side, refuses to dial them, and closes the stream connections
// they open when their address tells them apart (on one computer it
// cannot: every process is 127.0.0.1, and the payload's sender tag is
// what drops their data instead).
type blockTransport struct {
	inner  *memberlist.NetTransport
	cut    atomic.Pointer[cutSet]
	bypass atomic.Int32 // > 0 while the teacher sends a control across the cut

	packets chan *memberlist.Packet
	streams chan net.Conn
	done    chan struct{}
	once    sync.Once
	wg      sync.WaitGroup

	droppedPackets atomic.Int64
	// rec is the member's recorder: every packet that goes out, or is
	// dropped by the partition, is handed to it (tap.go). Set before
	// memberlist starts.
	rec *recorder
}

// cutSet is who is cut off, by name and by address.
type cutSet struct {
	names map[string]bool
	addrs map[string]bool // HOST:PORT of a cut member
	ips   map[string]bool // an IP only cut members use
}

func (c *cutSet) empty() bool { return c == nil || len(c.names) == 0 }

func newBlockTransport(inner *memberlist.NetTransport) *blockTransport {
	t := &blockTransport{inner: inner, packets: make(chan *memberlist.Packet), streams: make(chan net.Conn), done: make(chan struct{})}
	t.wg.Add(2)
	go t.forwardPackets()
	go t.forwardStreams()
	return t
}

// setCut replaces who is cut off.
func (t *blockTransport) setCut(c *cutSet) { t.cut.Store(c) }

func (t *blockTransport) forwardPackets() {
	defer t.wg.Done()
	for {
		select {
		case p, ok := <-t.inner.PacketCh():
			if !ok {
				return
			}
			if c := t.cut.Load(); !c.empty() && p.From != nil && c.addrs[p.From.String()] {
				t.droppedPackets.Add(1)
				t.rec.tap(p.Buf, "", p.From.String(), 0)
				continue
			}
			select {
			case t.packets <- p:
			case <-t.done:
				return
			}
		case <-t.done:
			return
		}
	}
}

func (t *blockTransport) forwardStreams() {
	defer t.wg.Done()
	for {
		select {
		case conn, ok := <-t.inner.StreamCh():
			if !ok {
				return
			}
			if c := t.cut.Load(); !c.empty() {
				if host, _, err := net.SplitHostPort(conn.RemoteAddr().String()); err == nil && c.ips[host] {
					_ = conn.Close()
					continue
				}
			}
			select {
			case t.streams <- conn:
			case <-t.done:
				_ = conn.Close()
				return
			}
		case <-t.done:
			return
		}
	}
}

func (t *blockTransport) blockedName(name string) bool {
	c := t.cut.Load()
	return !c.empty() && c.names[name]
}

func (t *blockTransport) blockedAddr(addr string) bool {
	c := t.cut.Load()
	return !c.empty() && c.addrs[addr]
}

// errCut is what a send across the teacher's partition returns.
type errCut struct{ to string }

func (e errCut) Error() string { return fmt.Sprintf("the teacher's partition cuts %s off", e.to) }

// FinalAdvertiseAddr is memberlist.Transport's.
func (t *blockTransport) FinalAdvertiseAddr(ip string, port int) (net.IP, int, error) {
	return t.inner.FinalAdvertiseAddr(ip, port)
}

// WriteTo is memberlist.Transport's.
func (t *blockTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	if t.blockedAddr(addr) {
		t.rec.tap(b, "", addr, outCut)
		return time.Now(), nil // dropped, as a cut cable drops it
	}
	t.rec.tap(b, "", addr, outSent)
	return t.inner.WriteTo(b, addr)
}

// WriteToAddress is memberlist.NodeAwareTransport's.
func (t *blockTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	if t.blockedName(a.Name) || t.blockedAddr(a.Addr) {
		t.rec.tap(b, a.Name, a.Addr, outCut)
		return time.Now(), nil
	}
	t.rec.tap(b, a.Name, a.Addr, outSent)
	return t.inner.WriteToAddress(b, a)
}

// PacketCh is memberlist.Transport's.
func (t *blockTransport) PacketCh() <-chan *memberlist.Packet { return t.packets }

// DialTimeout is memberlist.Transport's.
func (t *blockTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	if t.bypass.Load() == 0 && t.blockedAddr(addr) {
		return nil, errCut{addr}
	}
	return t.inner.DialTimeout(addr, timeout)
}

// DialAddressTimeout is memberlist.NodeAwareTransport's.
func (t *blockTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	if t.bypass.Load() == 0 && (t.blockedName(a.Name) || t.blockedAddr(a.Addr)) {
		return nil, errCut{a.String()}
	}
	return t.inner.DialAddressTimeout(a, timeout)
}

// StreamCh is memberlist.Transport's.
func (t *blockTransport) StreamCh() <-chan net.Conn { return t.streams }

// Shutdown is memberlist.Transport's.
func (t *blockTransport) Shutdown() error {
	t.once.Do(func() { close(t.done) })
	t.wg.Wait()
	// The inner listeners hand over what arrives without a way out: drain
	// their channels until they have stopped.
	stopped := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.inner.PacketCh():
			case conn := <-t.inner.StreamCh():
				_ = conn.Close()
			case <-stopped:
				return
			}
		}
	}()
	err := t.inner.Shutdown()
	close(stopped)
	return err
}

var _ memberlist.NodeAwareTransport = (*blockTransport)(nil)
