package export

import "strconv"

// SMBEvent is one SMB transaction (EVE event_type "smb"), with the fields of Suricata's smb
// logger. Byte fields alias the parser's transaction and are valid until the event is encoded.
type SMBEvent struct {
	AppHeader
	ID         uint64
	Dialect    string
	DialectRaw []byte // the SMB1 dialect the server chose, written when Dialect is empty
	Command    string
	Status     string // empty: no response status
	StatusCode uint32
	StatusDOS  bool // an SMB1 DOS-style error: the code is written with 4 digits
	SessionID  uint64
	TreeID     uint32

	Kind SMBKind
	// Session setup.
	NTLMDomain, NTLMUser, NTLMHost []byte
	NTLMVersion                    []byte // empty: not sent
	// SMB1 session setup: the client's and the server's native OS and LAN manager.
	ReqHost, RespHost SMBHost
	// Create.
	Filename                             []byte
	Directory, DeleteOnClose             bool
	Disposition                          string
	Created, Accessed, Modified, Changed int64
	Size                                 uint64
	FUID                                 [16]byte
	NoFUID                               bool // a create that failed: "fuid" is empty
	// Negotiate: SMB2 dialect names, or SMB1 dialect strings each NUL ended.
	ClientDialects  []string
	ClientDialects1 []byte
	SMB1            bool
	ClientGUID      [16]byte
	HasClientGUID   bool
	ServerGUID      [16]byte
	MaxRead         uint32
	MaxWrite        uint32
	// Tree connect.
	Share     []byte
	NamedPipe bool
	ShareType string // SMB2 only
	// SMB1: the service asked for and the one given (nil: not seen); written when SMB1.
	Service [2][]byte
	// DCERPC over a pipe.
	DCERPC DCERPCInfo
	// Ioctl.
	Function string
	// Rename: the new name.
	NewName []byte
}

// SMBHost is the native OS and LAN manager of one side of an SMB1 session setup.
type SMBHost struct {
	OS, LM []byte
	Set    bool
}

// SMBKind is what an SMB event carries beyond the common fields.
type SMBKind uint8

// SMB event kinds.
const (
	SMBGeneric SMBKind = iota
	SMBNegotiate
	SMBSessionSetup
	SMBSessionSetupNTLM
	SMBTreeConnect
	SMBCreate
	SMBDCERPC
	SMBIoctl
	SMBFile    // a file read or written: Filename, Share, FUID
	SMBSetInfo // a disposition set: Filename, DeleteOnClose, FUID
	SMBRename  // a renaming: Filename (from), NewName (to), FUID
)

// AppendSMB appends e as one EVE "smb" line, newline included.
func (f *EVEFormat) AppendSMB(dst []byte, e *SMBEvent) []byte {
	dst = f.appendAppHeader(dst, &e.AppHeader, "smb")
	dst = appendSMBObject(dst, e)
	return endLine(dst)
}

// appendSMBObject writes the smb object of an smb event or alert.
func appendSMBObject(dst []byte, e *SMBEvent) []byte {
	dst = appendKey(dst, "smb")
	dst = append(dst, '{')
	dst = appendUintField(dst, "id", e.ID)
	if e.Dialect != "" {
		dst = appendStringField(dst, "dialect", e.Dialect)
	} else {
		dst = appendRawStringField(dst, "dialect", e.DialectRaw)
	}
	dst = appendStringField(dst, "command", e.Command)
	if e.Status != "" {
		dst = appendStringField(dst, "status", e.Status)
		dst = appendKey(dst, "status_code")
		dst = append(dst, '"', '0', 'x')
		if e.StatusDOS {
			for sh := 12; sh > 0 && e.StatusCode>>sh == 0; sh -= 4 {
				dst = append(dst, '0')
			}
		}
		dst = strconv.AppendUint(dst, uint64(e.StatusCode), 16)
		dst = append(dst, '"', ',')
	}
	dst = appendUintField(dst, "session_id", e.SessionID)
	dst = appendUintField(dst, "tree_id", uint64(e.TreeID))
	switch e.Kind {
	case SMBSessionSetup, SMBSessionSetupNTLM:
		if e.Kind == SMBSessionSetupNTLM {
			dst = appendKey(dst, "ntlmssp")
			dst = append(dst, '{')
			dst = appendRawStringField(dst, "domain", e.NTLMDomain)
			dst = appendRawStringField(dst, "user", e.NTLMUser)
			dst = appendRawStringField(dst, "host", e.NTLMHost)
			if len(e.NTLMVersion) > 0 {
				dst = appendRawStringField(dst, "version", e.NTLMVersion)
			}
			dst = closeObject(dst)
		}
		dst = appendSMBHost(dst, "request", &e.ReqHost)
		dst = appendSMBHost(dst, "response", &e.RespHost)
	case SMBCreate:
		name, key := e.Filename, "filename"
		if len(name) == 0 {
			name = []byte("<share_root>")
		} else if e.Directory {
			key = "directory"
		}
		dst = appendRawStringField(dst, key, name)
		dst = appendStringField(dst, "disposition", e.Disposition)
		dst = appendAccess(dst, e.DeleteOnClose)
		dst = appendIntField(dst, "created", e.Created)
		dst = appendIntField(dst, "accessed", e.Accessed)
		dst = appendIntField(dst, "modified", e.Modified)
		dst = appendIntField(dst, "changed", e.Changed)
		dst = appendUintField(dst, "size", e.Size)
		if e.NoFUID {
			dst = appendStringField(dst, "fuid", "")
		} else {
			dst = appendGUIDField(dst, "fuid", e.FUID)
		}
	case SMBNegotiate:
		dst = appendKey(dst, "client_dialects")
		dst = append(dst, '[')
		if e.SMB1 {
			for b := e.ClientDialects1; len(b) > 0; {
				i := 0
				for i < len(b) && b[i] != 0 {
					i++
				}
				dst = appendJSONBytes(dst, b[:i])
				dst = append(dst, ',')
				b = b[min(i+1, len(b)):]
			}
		} else {
			for _, d := range e.ClientDialects {
				dst = appendJSONString(dst, d)
				dst = append(dst, ',')
			}
		}
		dst = closeArray(dst)
		if e.HasClientGUID {
			dst = appendGUIDField(dst, "client_guid", e.ClientGUID)
		}
		dst = appendGUIDField(dst, "server_guid", e.ServerGUID)
		if e.MaxRead > 0 {
			dst = appendUintField(dst, "max_read_size", uint64(e.MaxRead))
		}
		if e.MaxWrite > 0 {
			dst = appendUintField(dst, "max_write_size", uint64(e.MaxWrite))
		}
	case SMBTreeConnect:
		if e.NamedPipe {
			dst = appendRawStringField(dst, "named_pipe", e.Share)
		} else {
			dst = appendRawStringField(dst, "share", e.Share)
		}
		if e.SMB1 {
			dst = appendKey(dst, "service")
			dst = append(dst, '{')
			if e.Service[0] != nil {
				dst = appendRawStringField(dst, "request", e.Service[0])
			}
			if e.Service[1] != nil {
				dst = appendRawStringField(dst, "response", e.Service[1])
			}
			dst = closeObject(dst)
		} else if e.ShareType != "" {
			dst = appendStringField(dst, "share_type", e.ShareType)
		}
	case SMBDCERPC:
		dst = appendSMBDCERPC(dst, &e.DCERPC)
	case SMBIoctl:
		dst = appendStringField(dst, "function", e.Function)
	case SMBFile:
		dst = appendRawStringField(dst, "filename", e.Filename)
		dst = appendRawStringField(dst, "share", e.Share)
		dst = appendGUIDField(dst, "fuid", e.FUID)
	case SMBSetInfo:
		if len(e.Filename) == 0 {
			dst = appendStringField(dst, "filename", "<share_root>")
		} else {
			dst = appendRawStringField(dst, "filename", e.Filename)
		}
		dst = appendAccess(dst, e.DeleteOnClose)
		dst = appendGUIDField(dst, "fuid", e.FUID)
	case SMBRename:
		dst = append(dst, `"set_info":{"class":"FILE_INFO","info_level":"SMB2_FILE_RENAME_INFO"},`...)
		dst = appendKey(dst, "rename")
		dst = append(dst, '{')
		dst = appendRawStringField(dst, "from", e.Filename)
		dst = appendRawStringField(dst, "to", e.NewName)
		dst = closeObject(dst)
		dst = appendGUIDField(dst, "fuid", e.FUID)
	}
	return closeObject(dst)
}

// appendAccess writes a create's or set-info's access as Suricata names it.
func appendAccess(dst []byte, deleteOnClose bool) []byte {
	if deleteOnClose {
		return appendStringField(dst, "access", "delete on close")
	}
	return appendStringField(dst, "access", "normal")
}

// appendSMBHost writes one side's native OS and LAN manager, when that side named them.
func appendSMBHost(dst []byte, key string, h *SMBHost) []byte {
	if !h.Set {
		return dst
	}
	dst = appendKey(dst, key)
	dst = append(dst, '{')
	dst = appendRawStringField(dst, "native_os", h.OS)
	dst = appendRawStringField(dst, "native_lm", h.LM)
	return closeObject(dst)
}

// appendRawStringField writes a string field even when empty (Suricata writes empty names).
func appendRawStringField(dst []byte, key string, v []byte) []byte {
	dst = appendKey(dst, key)
	dst = appendJSONBytes(dst, v)
	return append(dst, ',')
}

// appendGUIDField writes a GUID as Suricata's smb logger does: the first three fields and
// the last two groups of its bytes reversed, as Windows prints a little-endian GUID's fields.
func appendGUIDField(dst []byte, key string, g [16]byte) []byte {
	u := [16]byte{g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[9], g[8], g[11], g[10], g[15], g[14], g[13], g[12]}
	dst = appendKey(dst, key)
	dst = append(dst, '"')
	dst = appendUUID(dst, u)
	return append(dst, '"', ',')
}

// SMB appends an smb line.
func (b *EVEBuffer) SMB(e *SMBEvent) {
	b.buf = b.format.AppendSMB(b.buf, e)
	b.maybeFlush()
}
