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
	return s.object(func(key string) error {
		if key != "values" {
			return s.skip()
		}
		return s.object(func(key string) error {
			if key != "root_module" {
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
	return s.object(func(key string) error {
		switch key {
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
	var addr, mode, typ string
	var index any
	var values []byte
	wanted := func() bool { return (mode == "" || mode == "data") && (typ == "" || dataRead(typ)) }
	err := s.object(func(key string) error {
		switch key {
		case "address":
			return s.str(&addr)
		case "mode":
			return s.str(&mode)
		case "type":
			return s.str(&typ)
		case "index":
			raw, err := s.capture(512)
			if err == nil && raw != nil {
				_ = json.Unmarshal(raw, &index)
			}
			return err
		case "values":
			if !wanted() || p.dataBytes >= maxDataBytes {
				return s.skip()
			}
			raw, err := s.capture(maxDataBytes - p.dataBytes)
			values = raw
			p.dataBytes += len(raw)
			return err
		}
		return s.skip()
	})
	if err != nil || mode != "data" || !dataRead(typ) || values == nil || !safeID(addr) {
		return err
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

// object reads an object, calling fn at each key with the scanner before
// its value; fn must read the value. null is an empty object.
func (s *scanner) object(fn func(key string) error) error {
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
		key, err := s.key()
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
	c, err := s.next()
	if err != nil {
		return nil, err
	}
	rec := &record{max: max}
	if err := s.walk(c, rec); err != nil {
		return nil, err
	}
	if rec.over {
		return nil, nil
	}
	return rec.buf, nil
}

// str reads a string value into *v; a value that is not a string, or a
// string over 1 KiB, leaves *v empty.
func (s *scanner) str(v *string) error {
	raw, err := s.capture(1 << 10)
	if err != nil || len(raw) == 0 || raw[0] != '"' {
		return err
	}
	_ = json.Unmarshal(raw, v)
	return nil
}
