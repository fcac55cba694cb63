package replicas

// msgQueue is the FIFO of messages in flight on one directed link, oldest
// first. It is persistent (see ptree): clones and checkpoints share it,
// and taking a message off either end, or putting one at the back, copies
// O(log n) nodes, never the queue. So a scenario that fills a link with
// thousands of messages and delivers them newest first costs what it
// delivers.
type msgQueue struct{ t ptree[*Message] }

func (q msgQueue) Len() int                 { return q.t.Len() }
func (q msgQueue) At(i int) *Message        { return q.t.At(i) }
func (q msgQueue) Oldest() *Message         { return q.t.At(0) }
func (q msgQueue) Newest() *Message         { return q.t.At(q.t.Len() - 1) }
func (q msgQueue) Messages() []*Message     { return q.t.Items() }
func (q msgQueue) push(m *Message) msgQueue { return msgQueue{q.t.Insert(q.t.Len(), m, 1)} }

// remove takes m off the queue: it is at one end, since messages leave a
// link oldest or newest first (a drop, a duplicate's original and every
// delivery), but any place works.
func (q msgQueue) remove(m *Message) msgQueue {
	switch n := q.t.Len(); {
	case n == 0:
		return q
	case q.t.At(0) == m:
		return msgQueue{q.t.Delete(0)}
	case q.t.At(n-1) == m:
		return msgQueue{q.t.Delete(n - 1)}
	}
	k := -1
	q.t.Each(0, func(x *Message) bool { k++; return x != m })
	if k < 0 || q.t.At(k) != m {
		return q
	}
	return msgQueue{q.t.Delete(k)}
}
