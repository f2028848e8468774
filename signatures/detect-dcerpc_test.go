package signatures

import "testing"

// dceFakeTx is a DCERPC request using one interface, as the sensor reports it.
type dceFakeTx struct {
	opnum     uint64
	iface     []byte // one BufDCERPCIface record, nil: none usable
	stub      []byte
	smbVer    uint64
	namedPipe []byte
	little    bool
}

func (f *dceFakeTx) Buffer(id BufferID, toServer bool, i int) ([]byte, bool) {
	switch {
	case i != 0:
	case id == BufDCERPCIface && f.iface != nil:
		return f.iface, true
	case id == BufDCERPCStubData && f.stub != nil:
		return f.stub, true
	case id == BufSMBNamedPipe && f.namedPipe != nil:
		return f.namedPipe, true
	}
	return nil, false
}

func (f *dceFakeTx) Number(id NumberID, toServer bool, i int) (uint64, bool) {
	switch {
	case i != 0:
	case id == NumDCERPCOpnum:
		return f.opnum, true
	case id == NumSMBVersion && f.smbVer != 0:
		return f.smbVer, true
	case id == NumDCERPCLittleEndian && f.little:
		return 1, true
	}
	return 0, false
}

func (f *dceFakeTx) Event(string) bool { return false }

func TestDCEKeywordsParse(t *testing.T) {
	r := mustRule(t, `alert tcp any any -> any any (flow:to_server; dcerpc.iface:367abb81-9844-35f1-ad32-98f038001003,>1,any_frag; dce_opnum:12,15-18; sid:1;)`)
	if r.App != AppDCERPC || len(r.DCE) != 2 || !r.isTxRule() || r.appDirs != bufToServer {
		t.Fatalf("parsed as app %v dce %+v dirs %d", r.App, r.DCE, r.appDirs)
	}
	if i := r.DCE[0]; !i.Iface || !i.AnyFrag || !i.HasVer || i.Ver.Op != '>' || i.UUID[0] != 0x36 || i.UUID[15] != 0x03 {
		t.Errorf("iface %+v", i)
	}
	if o := r.DCE[1]; o.Iface || len(o.Opnums) != 2 {
		t.Errorf("opnum %+v", o)
	}
	for _, bad := range []string{
		`alert tcp any any -> any any (dce_iface:367abb81-9844-35f1-ad32; sid:2;)`,
		`alert tcp any any -> any any (dce_iface:367abb81-9844-35f1-ad32-98f038001003,frag; sid:3;)`,
		`alert tcp any any -> any any (dce_opnum:9-3; sid:4;)`,
		`alert http any any -> any any (dce_opnum:3; sid:5;)`,
		`alert smb any any -> any any (smb.version:1; smb.version:2; sid:6;)`,
		`alert smb any any -> any any (smb.version:3; sid:7;)`,
	} {
		if r, _ := loadOne(t, bad); r != nil {
			t.Errorf("loaded %s", bad)
		}
	}
}

// TestDCEByteOrder: the byte keywords' dce option reads the stub in the PDU's byte order
// (suricata-verify dcerpc-dcepayload-15), and an smb rule may use the DCERPC keywords.
func TestDCEByteOrder(t *testing.T) {
	h := newHarness(t, `alert tcp any any -> any any (dce_stub_data; content:"|5c 00 5c 00 31|"; distance:0; byte_test:2,=,14080,0,relative,dce; sid:1;)
alert tcp any any -> any any (dce_stub_data; content:"|5c 00 5c 00 31|"; distance:0; byte_test:2,=,55,0,relative,dce; sid:2;)
alert smb any any -> any any (dce_opnum:15; sid:3;)
`, EngineOptions{})
	stub := []byte{0x5c, 0, 0x5c, 0, 0x31, 0, 0x37}
	start := [2]uint8{StageStart, 0}
	if got := h.inspectTx(AppDCERPC, &dceFakeTx{opnum: 15, stub: stub, little: true}, true, start); !sidsEqual(got, []uint32{1}) {
		t.Errorf("little-endian stub: %v, want [1]", got)
	}
	if got := h.inspectTx(AppDCERPC, &dceFakeTx{opnum: 15, stub: stub}, true, start); !sidsEqual(got, []uint32{2}) {
		t.Errorf("big-endian stub: %v, want [2]", got)
	}
	both := [2]uint8{StageComplete, StageComplete}
	if got := h.inspectTx(AppSMB, &dceFakeTx{opnum: 15}, true, both); !sidsEqual(got, []uint32{3}) {
		t.Errorf("smb rule with dce_opnum: %v, want [3]", got)
	}
}

func TestDCEKeywordsMatch(t *testing.T) {
	h := newHarness(t, `alert tcp any any -> any any (dcerpc.iface:367abb81-9844-35f1-ad32-98f038001003; dcerpc.opnum:15; sid:1;)
alert dcerpc any any -> any any (dce_iface:367abb81-9844-35f1-ad32-98f038001003,<2; sid:2;)
alert dcerpc any any -> any any (dce_iface:367abb81-9844-35f1-ad32-98f038001003,any_frag; dce_opnum:1-14,16; sid:3;)
alert tcp any any -> any any (dce_stub_data; content:"|05 00|"; sid:4;)
alert smb any any -> any any (smb.version:2; smb_named_pipe; content:"IPC$"; sid:5;)
`, EngineOptions{})
	uuid := []byte{0x36, 0x7a, 0xbb, 0x81, 0x98, 0x44, 0x35, 0xf1, 0xad, 0x32, 0x98, 0xf0, 0x38, 0, 0x10, 0x03}
	rec := func(version uint16, flags byte) []byte {
		return append(append([]byte{}, uuid...), byte(version), byte(version>>8), flags)
	}
	start := [2]uint8{StageStart, 0}
	for _, c := range []struct {
		name string
		app  AppProto
		tx   *dceFakeTx
		want []uint32
	}{
		{"opnum 15, version 2, first fragment", AppDCERPC, &dceFakeTx{opnum: 15, iface: rec(2, DCEIfaceFirstFrag)}, []uint32{1}},
		{"opnum 3, version 1", AppDCERPC, &dceFakeTx{opnum: 3, iface: rec(1, DCEIfaceFirstFrag)}, []uint32{2, 3}},
		{"bind without the first-fragment flag", AppDCERPC, &dceFakeTx{opnum: 3, iface: rec(1, 0)}, []uint32{3}},
		{"no usable interface", AppDCERPC, &dceFakeTx{opnum: 15}, nil},
		{"stub over an smb pipe", AppSMB, &dceFakeTx{opnum: 15, iface: rec(2, 1), stub: []byte{1, 5, 0}}, []uint32{1, 4}},
		{"tree connect", AppSMB, &dceFakeTx{smbVer: 2, namedPipe: []byte(`\\h\IPC$`)}, []uint32{5}},
		{"smb1 tree connect", AppSMB, &dceFakeTx{smbVer: 1, namedPipe: []byte(`\\h\IPC$`)}, nil},
	} {
		now := start
		if c.app == AppSMB {
			now = [2]uint8{StageComplete, StageComplete}
		}
		if got := h.inspectTx(c.app, c.tx, true, now); !sidsEqual(got, c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
