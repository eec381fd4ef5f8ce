package replicalog

import "sync"

// BackgroundThreads is background.threads, the size of the KafkaScheduler
// pool that runs UnifiedLog's "flush-metadata-file" tasks and the delayed
// log deletions (3.9 ServerConfigs.java:62; KafkaScheduler.java wraps a
// ScheduledThreadPoolExecutor of that many threads).
const BackgroundThreads = 10

// scheduler is KafkaScheduler for the directory's one-off tasks: an
// unbounded FIFO queue (a ScheduledThreadPoolExecutor's queue never refuses
// a task, so scheduleOnce never blocks the caller: the metadata publisher or
// the LeaderAndIsr handler that creates a log goes on at once) drained by a
// fixed pool of workers. Closing runs the tasks already queued, as
// UnifiedLog.close flushes a pending partition.metadata itself.
type scheduler struct {
	mu       sync.Mutex
	cond     *sync.Cond
	queue    []func()
	stopping bool
	done     sync.WaitGroup
}

func newScheduler(workers int) *scheduler {
	s := &scheduler{}
	s.cond = sync.NewCond(&s.mu)
	s.done.Add(workers)
	for range workers {
		go s.work()
	}
	return s
}

// schedule queues task; after close it is dropped.
func (s *scheduler) schedule(task func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return
	}
	s.queue = append(s.queue, task)
	s.cond.Signal()
}

// pending is the number of tasks queued and not yet started.
func (s *scheduler) pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.queue)
}

func (s *scheduler) work() {
	defer s.done.Done()
	for {
		s.mu.Lock()
		for len(s.queue) == 0 && !s.stopping {
			s.cond.Wait()
		}
		if len(s.queue) == 0 {
			s.mu.Unlock()
			return
		}
		task := s.queue[0]
		s.queue[0] = nil
		s.queue = s.queue[1:]
		s.mu.Unlock()
		task()
	}
}

// close waits for the queued tasks to run and the workers to end.
func (s *scheduler) close() {
	s.mu.Lock()
	s.stopping = true
	s.cond.Broadcast()
	s.mu.Unlock()
	s.done.Wait()
}
