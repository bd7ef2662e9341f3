package probe

import (
	"sync"
)

// group runs functions concurrently and re-panics in Wait, so that a panic
// in a probe's goroutine reaches the runner's guard (and becomes a failed
// result) instead of killing the process. The stack of the goroutine that
// panicked travels with it.
type group struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	panicked *panicError
}

func (g *group) Go(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer func() {
			if v := recover(); v != nil {
				pe := recovered(v)
				g.mu.Lock()
				if g.panicked == nil {
					g.panicked = pe
				}
				g.mu.Unlock()
			}
		}()
		f()
	}()
}

func (g *group) Wait() {
	g.wg.Wait()
	if g.panicked != nil {
		panic(g.panicked)
	}
}
