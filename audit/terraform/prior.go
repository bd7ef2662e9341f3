package terraform

import (
	"encoding/json"
	"fmt"
	"strings"
)

// priorState walks prior_state (the state Terraform refreshed before it
// planned) for the data sources it read at plan time: values.root_module
// and its child_modules, one resource at a time. A resource's values are
// kept only for a data source of dataRead's types, within maxDataBytes;
// the managed resources (as large as planned_values) are skipped byte by
// byte, never held.
func (s *scanner) priorState(p *plan) error {
	return s.object(func(key []byte) error {
		if string(key) != "values" {
			return s.skip()
		}
		return s.object(func(key []byte) error {
			if string(key) != "root_module" {
				return s.skip()
			}
			return s.stateModule(p, 0)
		})
	})
}

// stateModule walks one module of a state's values.
func (s *scanner) stateModule(p *plan, depth int) error {
	if depth > maxModuleDepth {
		return s.skip()
	}
	return s.object(func(key []byte) error {
		switch string(key) {
		case "resources":
			return s.array(func() error { return s.stateResource(p) })
		case "child_modules":
			return s.array(func() error { return s.stateModule(p, depth+1) })
		}
		return s.skip()
	})
}

// stateResource reads one resource of a state's values, keeping a data
// source of dataRead's types. Terraform writes address, mode and type
// before values; values met before them are kept within the bound and
// dropped once the resource turns out to be another kind.
func (s *scanner) stateResource(p *plan) error {
	// The address, mode, type and index are read into buffers the
	// resources share, and made strings only for a resource kept.
	var addrRaw, modeRaw, typRaw, indexRaw, values []byte
	// other is set once the resource is known not to be kept: the rest of
	// it is skipped unread.
	other := false
	err := s.object(func(key []byte) error {
		if other {
			return s.skip()
		}
		switch string(key) {
		case "address":
			var err error
			addrRaw, err = s.captureInto(&s.addrBuf, 1<<10)
			return err
		case "mode":
			var err error
			modeRaw, err = s.captureInto(&s.modeBuf, 64)
			other = string(modeRaw) != `"data"`
			return err
		case "type":
			var err error
			typRaw, err = s.captureInto(&s.typBuf, 256)
			other = len(typRaw) < 2 || !dataRead(string(typRaw[1:len(typRaw)-1]))
			return err
		case "index":
			var err error
			indexRaw, err = s.capture(512)
			return err
		case "values":
			if p.dataBytes >= maxDataBytes {
				return s.skip()
			}
			raw, err := s.capture(maxDataBytes - p.dataBytes)
			values = raw
			p.dataBytes += len(raw)
			return err
		}
		return s.skip()
	})
	if err != nil || string(modeRaw) != `"data"` || len(typRaw) < 2 || !dataRead(string(typRaw[1:len(typRaw)-1])) || values == nil {
		return err
	}
	typ := string(typRaw[1 : len(typRaw)-1])
	var addr string
	var index any
	if json.Unmarshal(addrRaw, &addr) != nil || !safeID(addr) {
		return nil
	}
	if indexRaw != nil {
		_ = json.Unmarshal(indexRaw, &index)
	}
	var vals map[string]json.RawMessage
	if json.Unmarshal(values, &vals) != nil {
		return nil
	}
	if p.Data == nil {
		p.Data = map[string][]*dataSource{}
	}
	res := resourceOf(addr, index != nil)
	p.Data[res] = append(p.Data[res], &dataSource{addr: addr, typ: typ, index: index, values: vals})
	return nil
}

// resourceOf is an instance address without its instance key, when it
// has one (keyed: the instance has an index).
func resourceOf(addr string, keyed bool) string {
	if !keyed || !strings.HasSuffix(addr, "]") {
		return addr
	}
	if i := strings.LastIndexByte(addr, '['); i > 0 {
		return addr[:i]
	}
	return addr
}

// object reads an object, calling fn at each key (valid until fn
// returns) with the scanner before its value; fn must read the value.
// null is an empty object.
func (s *scanner) object(fn func(key []byte) error) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	if c == 'n' {
		return s.walk(c, nil)
	}
	if c != '{' {
		return fmt.Errorf("at byte %d: want an object", s.off)
	}
	for first := true; ; first = false {
		c, err := s.next()
		if err != nil {
			return err
		}
		if c == '}' {
			return nil
		}
		if !first {
			if c != ',' {
				return fmt.Errorf("at byte %d: want , or } after a value", s.off)
			}
			if c, err = s.next(); err != nil {
				return err
			}
		}
		if c != '"' {
			return fmt.Errorf("at byte %d: want a key", s.off)
		}
		key, err := s.keyBytes()
		if err != nil {
			return err
		}
		if c, err = s.next(); err != nil || c != ':' {
			return orErr(err, fmt.Errorf("at byte %d: want : after a key", s.off))
		}
		if err := fn(key); err != nil {
			return err
		}
	}
}

// array reads an array, calling fn for each element with the scanner
// before it; fn must read the element. null is an empty array.
func (s *scanner) array(fn func() error) error {
	c, err := s.next()
	if err != nil {
		return err
	}
	if c == 'n' {
		return s.walk(c, nil)
	}
	if c != '[' {
		return fmt.Errorf("at byte %d: want an array", s.off)
	}
	for first := true; ; first = false {
		c, err := s.peek()
		if err != nil {
			return err
		}
		if c == ']' {
			_, err := s.next()
			return err
		}
		if !first {
			if c != ',' {
				return fmt.Errorf("at byte %d: want , or ] after an element", s.off)
			}
			if _, err := s.next(); err != nil {
				return err
			}
		}
		if err := fn(); err != nil {
			return err
		}
	}
}

// peek is the next byte that is not white space, left unread.
func (s *scanner) peek() (byte, error) {
	c, err := s.next()
	if err != nil {
		return 0, err
	}
	s.off--
	return c, s.br.UnreadByte()
}

// capture reads the next value and returns its bytes, or nil when it is
// longer than max (read to its end all the same).
func (s *scanner) capture(max int) ([]byte, error) {
	var buf []byte
	return s.captureInto(&buf, max)
}

// captureInto is capture into *buf, which it reuses and keeps: the bytes
// returned are valid until the next capture into it.
func (s *scanner) captureInto(buf *[]byte, max int) ([]byte, error) {
	c, err := s.next()
	if err != nil {
		return nil, err
	}
	rec := &record{buf: (*buf)[:0], max: max}
	defer func() {
		if rec.buf != nil {
			*buf = rec.buf
		}
	}()
	if err := s.walk(c, rec); err != nil {
		return nil, err
	}
	if rec.over {
		return nil, nil
	}
	return rec.buf, nil
}
