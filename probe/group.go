package probe

import (
	"fmt"
	"sync"
)

// group runs functions concurrently and re-panics in Wait, so that a panic
// in a probe's goroutine reaches the runner's recover (and becomes a failed
// result) instead of killing the process.
type group struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	panicked any
}

func (g *group) Go(f func()) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		defer func() {
			if v := recover(); v != nil {
				g.mu.Lock()
				if g.panicked == nil {
					g.panicked = v
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
		panic(fmt.Sprint(g.panicked))
	}
}
