package ports

import (
	"bytes"
	"context"
	"mime"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// maxAttachments bounds the documents of one port request.
const maxAttachments = 20

// Attachment is a document of a port request.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Attachments lists a request's documents: {name: {content_type, length}}.
func (s *Service) Attachments(ctx context.Context, by By, accountID, id string) (map[string]Upload, error) {
	sc, err := s.load(ctx, by, accountID, id)
	if err != nil {
		return nil, err
	}
	out := map[string]Upload{}
	for k, v := range sc.p.Uploads {
		out[k] = v
	}
	return out, nil
}

// Attachment returns one document, byte for byte, with its content type.
func (s *Service) Attachment(ctx context.Context, by By, accountID, id, name string) (*Attachment, error) {
	sc, err := s.load(ctx, by, accountID, id)
	if err != nil {
		return nil, err
	}
	if _, ok := sc.p.Uploads[name]; !ok {
		return nil, &number.Error{Kind: number.KindNotFound, Number: name, Message: "attachment " + name + " not found"}
	}
	a, err := s.st.GetPortAttachment(ctx, id, name)
	if err != nil {
		return nil, err
	}
	return &Attachment{Name: a.Name, ContentType: a.ContentType, Data: a.Data}, nil
}

// PutAttachment stores a document on a request, in any state (Kazoo):
// a PDF, PNG or JPEG (the bytes must be one; contentType, when it says
// something else, is refused) of at most MaxAttachmentBytes. name is the
// file name (a random one when ""), given the type's extension when it
// has none; a document of that name is replaced. It returns the stored
// name.
func (s *Service) PutAttachment(ctx context.Context, by By, accountID, id, name, contentType string, data []byte) (string, error) {
	if int64(len(data)) > s.maxAtt {
		return "", ErrTooLarge
	}
	if len(data) == 0 {
		return "", invalid("attachment", "minLength", "The document is empty")
	}
	ctype, ext, err := documentType(contentType, data)
	if err != nil {
		return "", err
	}
	if name == "" {
		name = newID()
	}
	if !validName(name) {
		return "", invalid("filename", "pattern", "A file name is 1 to 128 printable characters, without / or \\, not starting with a dot", "value", name)
	}
	if path.Ext(name) == "" {
		name += ext
	}
	err = s.mutate(ctx, by, accountID, id, func(sc scope, m *mutation) error {
		p := sc.p
		if _, ok := p.Uploads[name]; !ok && len(p.Uploads) >= maxAttachments {
			return invalid("attachment", "maxItems", "A port request holds at most 20 documents", "target", maxAttachments)
		}
		if p.Uploads == nil {
			p.Uploads = map[string]Upload{}
		}
		p.Uploads[name] = Upload{ContentType: ctype, Length: int64(len(data))}
		m.inTx = func(tx store.Tx) error {
			return tx.PutPortAttachment(ctx, &store.PortAttachment{PortID: p.ID, Name: name, ContentType: ctype, Data: data, Created: m.now})
		}
		return nil
	})
	return name, err
}

// DeleteAttachment removes a document, only while the request is
// unconfirmed, rejected or canceled (Kazoo's 405 otherwise).
func (s *Service) DeleteAttachment(ctx context.Context, by By, accountID, id, name string) error {
	return s.mutate(ctx, by, accountID, id, func(sc scope, m *mutation) error {
		p := sc.p
		if _, ok := p.Uploads[name]; !ok {
			return &number.Error{Kind: number.KindNotFound, Number: name, Message: "attachment " + name + " not found"}
		}
		switch p.State {
		case Unconfirmed, Rejected, Canceled:
		default:
			return ErrNotModifiable
		}
		delete(p.Uploads, name)
		m.inTx = func(tx store.Tx) error {
			err := tx.DeletePortAttachment(ctx, p.ID, name)
			if number.IsKind(err, number.KindNotFound) {
				return nil
			}
			return err
		}
		return nil
	})
}

// documentType is the content type a document is stored with, and its
// file extension: what its bytes are (PDF, PNG, JPEG), which the declared
// type must not contradict. application/octet-stream and no type at all
// leave it to the bytes.
func documentType(declared string, data []byte) (string, string, error) {
	var sniffed, ext string
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		sniffed, ext = "application/pdf", ".pdf"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		sniffed, ext = "image/png", ".png"
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		sniffed, ext = "image/jpeg", ".jpg"
	default:
		return "", "", ErrUnsupportedType
	}
	mt := ""
	if strings.TrimSpace(declared) != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(declared); err != nil {
			return "", "", ErrUnsupportedType
		}
	}
	switch mt {
	case "", "application/octet-stream", "binary/octet-stream":
		return sniffed, ext, nil
	case "application/pdf", "application/x-pdf":
		if sniffed == "application/pdf" {
			return mt, ext, nil
		}
	case "image/png":
		if sniffed == "image/png" {
			return mt, ext, nil
		}
	case "image/jpeg", "image/jpg", "image/pjpeg":
		if sniffed == "image/jpeg" {
			return "image/jpeg", ext, nil
		}
	}
	return "", "", ErrUnsupportedType
}

// validName reports whether name is a safe attachment name.
func validName(name string) bool {
	if name == "" || len(name) > 128 || !utf8.ValidString(name) || strings.HasPrefix(name, ".") || strings.ContainsAny(name, `/\`) {
		return false
	}
	for _, r := range name {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}
