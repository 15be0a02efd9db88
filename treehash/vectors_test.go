package treehash_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"runtime"
	"testing"

	"github.com/firnstore/firn/internal/testkit"
	"github.com/firnstore/firn/treehash"
)

// The vectors in this file were generated for the project's wire
// specification, where every tree hash was checked against botocore.utils.calculate_tree_hash (botocore 1.43.11) and
// github.com/aws/aws-sdk-go/service/glacier.ComputeHashes (v1.55.8).

const mib = treehash.LeafSize

var patternVectors = []struct {
	name   string
	n      int
	leaves int
	sha256 string // linear SHA-256, which checks pattern itself
	tree   string
}{
	{"empty", 0, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
	{"1 byte", 1, 1, "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d", "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"},
	{"1 MiB - 1", mib - 1, 1, "8b55c6a2d3444092a316985030e00c1e6f8608eaf912c896dee7c374d440ed11", "8b55c6a2d3444092a316985030e00c1e6f8608eaf912c896dee7c374d440ed11"},
	{"1 MiB", mib, 1, "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769", "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769"},
	{"1 MiB + 1", mib + 1, 2, "5769f52bc3eef28afa39c6fc68cadb7d0bd69812ae3a3d71452f519ec3c7aa56", "a9c574ce937d2371daf87cdd0e75396b096d7f74a66c764e4c656bd12b2e7bf9"},
	{"2 MiB", 2 * mib, 2, "1e075c8d478ad21844e33e830a695ef03a4d2488b69ee275bd8947618bb1be1e", "bf4dff263ae686b64403208c35a3767e38453d6477e841947588d13d04e1d816"},
	{"3 MiB", 3 * mib, 3, "a1feacf0d812ba4d0b0e463ed45bbd583cea1de55c54693116754b30b5794745", "2e7d51c0ffe06ce95fe74beed9a4ab35d18837f4ab2a9f4f066a60359eb999a1"},
	{"4 MiB", 4 * mib, 4, "a117210941a0b00dcb2d8577e680d84b6fa0eaf760d2afc654c953b9859d54fa", "c7d749cd55cefa8ed8fbc208202e18d019b7701f29886f7c5d662d77b3903833"},
	{"5 MiB + 123", 5*mib + 123, 6, "0628356cd8d3d1f66cdf957c650b16d574aa59c556037ab29cd9c4acdce89278", "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182"},
	{"7 MiB", 7 * mib, 7, "c0c49a419ecae55243613a85dc1e1cb5ec9d5a51d5f439a8c16eb7ff0b139920", "8bfce57c6a4076b3e930e725fbaa00beeffff0f0d9a6491a89a53baa73b4810d"},
	{"8 MiB + 1", 8*mib + 1, 9, "0e060c393a4a670e1b7d48e0cd88cc75c5071866690c80c1dfd70807b02c191a", "0fddee2110ee2a152f3994e21e69cb39d22b4a43a0d05074b7a774310dd56d23"},
}

var otherVectors = []struct {
	name         string
	data         []byte
	sha256, tree string
}{
	{"hello world", []byte("hello world"), "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9", "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"},
	{"abcde", []byte("abcde"), "36bbe50ed96841d10443bcb670d6554f0a34b761be67ec9c4a8ad2c0c44ca42c", "36bbe50ed96841d10443bcb670d6554f0a34b761be67ec9c4a8ad2c0c44ca42c"},
	// Also the vector of aws-sdk-go's and aws-sdk-go-v2's own treehash_test.go.
	{"5.5 MiB of '0'", bytes.Repeat([]byte("0"), 5*mib+mib/2), "68aff0c5a91aa0491752bfb96e3fef33eb74953804f6a2f7b708d5bcefa8ff6b", "154e26c78fd74d0c2c9b3cc4644191619dc4f2cd539ae2a74d5fd07957a3ee6a"},
	{"Glacier developer guide payload", []byte("Welcome to Amazon Glacier."), "726e392cb4d09924dbad1cc0ba3b00c3643d03d14cb4b823e2f041cff612a628", "726e392cb4d09924dbad1cc0ba3b00c3643d03d14cb4b823e2f041cff612a628"},
}

// modes are the hash constructors under test. The odd worker count makes
// the parallel buffering differ from the machine's core count.
var modes = []struct {
	name string
	new  func() *treehash.Hash
}{
	{"serial", treehash.NewSerial},
	{"parallel", treehash.New},
	{"parallel-7", func() *treehash.Hash {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(7))
		return treehash.New()
	}},
	{"parallel-1", func() *treehash.Hash {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
		return treehash.New()
	}},
}

// onlyReader hides the WriterTo of a reader so that io.Copy uses 32 KiB writes.
type onlyReader struct{ io.Reader }

// writers feed data to a hash in different ways.
var writers = []struct {
	name  string
	write func(h hash.Hash, data []byte)
}{
	{"one write", func(h hash.Hash, data []byte) { h.Write(data) }},
	{"io.Copy", func(h hash.Hash, data []byte) { io.Copy(h, onlyReader{bytes.NewReader(data)}) }},
	{"1 MiB writes", func(h hash.Hash, data []byte) { writeChunks(h, data, mib) }},
	{"odd writes", func(h hash.Hash, data []byte) { writeChunks(h, data, 3*mib/2+7) }},
}

func writeChunks(h hash.Hash, data []byte, size int) {
	for len(data) > 0 {
		k := min(size, len(data))
		h.Write(data[:k])
		data = data[k:]
	}
}

func mustParseHex(t testing.TB, s string) [32]byte {
	t.Helper()
	sum, err := treehash.ParseHex(s)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// checkAllWays checks the tree hash of data computed by Sum and by every
// mode and writer, and the leaves reported along the way.
func checkAllWays(t *testing.T, data []byte, wantTree string, wantLeaves int) {
	t.Helper()
	if got := treehash.Hex(treehash.Sum(data)); got != wantTree {
		t.Errorf("Sum = %s, want %s", got, wantTree)
	}
	for _, m := range modes {
		for _, w := range writers {
			h := m.new()
			w.write(h, data)
			if got := hex.EncodeToString(h.Sum(nil)); got != wantTree {
				t.Errorf("%s, %s: tree hash %s, want %s", m.name, w.name, got, wantTree)
			}
			leaves := h.Leaves()
			if len(leaves) != wantLeaves {
				t.Errorf("%s, %s: %d leaves, want %d", m.name, w.name, len(leaves), wantLeaves)
			}
			if got := treehash.Hex(treehash.Root(leaves)); got != wantTree {
				t.Errorf("%s, %s: Root(Leaves()) = %s, want %s", m.name, w.name, got, wantTree)
			}
			if h.Len() != int64(len(data)) {
				t.Errorf("%s, %s: Len() = %d, want %d", m.name, w.name, h.Len(), len(data))
			}
		}
	}
}

func TestPatternVectors(t *testing.T) {
	for _, v := range patternVectors {
		t.Run(v.name, func(t *testing.T) {
			data := testkit.Pattern(v.n)
			if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != v.sha256 {
				t.Fatalf("SHA-256 of the pattern = %x, want %s", got, v.sha256)
			}
			checkAllWays(t, data, v.tree, v.leaves)
		})
	}
}

func TestOtherVectors(t *testing.T) {
	for _, v := range otherVectors {
		t.Run(v.name, func(t *testing.T) {
			if got := sha256.Sum256(v.data); hex.EncodeToString(got[:]) != v.sha256 {
				t.Fatalf("SHA-256 = %x, want %s", got, v.sha256)
			}
			checkAllWays(t, v.data, v.tree, (len(v.data)+mib-1)/mib)
		})
	}
}

// The multipart vectors split the 5 MiB + 123 pattern into parts.
func TestMultipartVectors(t *testing.T) {
	const whole = "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182"
	data := testkit.Pattern(5*mib + 123)
	for _, tc := range []struct {
		partSize int
		parts    []string
		combined string
	}{
		{mib, []string{
			"631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769",
			"729b9155f00261a681000ccd0ff20e750ed3d525b5b1e6fc961837a3bb666fd6",
			"c85ef98b88946506e2c5488c04b97d86b5ec214add104d4849a3145f5e49fd65",
			"fb424e06b1bcfa4abe6862ffbb279614d06fd76af7f0a9015d05943c19ff3bc7",
			"913ce5b1447d28935c8acc3bc64add33b4c092c1eda4d6913e42f41f57b73b11",
			"a61bd419a30a42f5a2df04735bbc03696ba754657f14536a52afb8d96456caad",
		}, whole},
		{2 * mib, []string{
			"bf4dff263ae686b64403208c35a3767e38453d6477e841947588d13d04e1d816",
			"9e217b1ceb8db81071f9c6e4a2bf0401a83491d10751ce858a2628f5d699dbdb",
			"8f24d6e14d786bd5862aae513949791bf3d15523003b1f24b8693561d9a4e99d",
		}, whole},
		{4 * mib, []string{
			"c7d749cd55cefa8ed8fbc208202e18d019b7701f29886f7c5d662d77b3903833",
			"8f24d6e14d786bd5862aae513949791bf3d15523003b1f24b8693561d9a4e99d",
		}, whole},
		// 3 MiB is not a valid part size: combining gives a wrong hash.
		{3 * mib, nil, "9698641d1e168a75ea24ff8219c5dc3a329e0db07d0d14c446ebd3153b469274"},
	} {
		if got := treehash.IsPowerOfTwoMiB(int64(tc.partSize)); got != (tc.combined == whole) {
			t.Errorf("IsPowerOfTwoMiB(%d) = %v", tc.partSize, got)
		}
		var parts [][32]byte
		for off := 0; off < len(data); off += tc.partSize {
			parts = append(parts, treehash.Sum(data[off:min(off+tc.partSize, len(data))]))
		}
		for i, want := range tc.parts {
			if got := treehash.Hex(parts[i]); got != want {
				t.Errorf("%d-byte part %d: tree hash %s, want %s", tc.partSize, i, got, want)
			}
		}
		if tc.parts != nil && len(parts) != len(tc.parts) {
			t.Errorf("%d-byte parts: %d parts, want %d", tc.partSize, len(parts), len(tc.parts))
		}
		if got := treehash.Hex(treehash.Root(parts)); got != tc.combined {
			t.Errorf("%d-byte parts: Root = %s, want %s", tc.partSize, got, tc.combined)
		}
		if tc.parts != nil {
			var listed [][32]byte
			for _, p := range tc.parts {
				listed = append(listed, mustParseHex(t, p))
			}
			if got := treehash.Hex(treehash.Root(listed)); got != tc.combined {
				t.Errorf("%d-byte parts: Root of the listed hashes = %s, want %s", tc.partSize, got, tc.combined)
			}
		}
	}
}

// Ranges of the 5 MiB + 123 pattern, inclusive as in the Range header.
func TestRangeVectors(t *testing.T) {
	data := testkit.Pattern(5*mib + 123)
	size := int64(len(data))
	leaves := treehash.NewSerial()
	leaves.Write(data)
	for _, tc := range []struct {
		first, lastIncl int64
		aligned         bool
		tree            string
	}{
		{0, 1048575, true, "631b84027d6b9e52b539c4e8373622d23032dfadc64d60af87339c9037e4f769"},
		{1048576, 2097151, true, "729b9155f00261a681000ccd0ff20e750ed3d525b5b1e6fc961837a3bb666fd6"},
		{0, 2097151, true, "bf4dff263ae686b64403208c35a3767e38453d6477e841947588d13d04e1d816"},
		{2097152, 4194303, true, "9e217b1ceb8db81071f9c6e4a2bf0401a83491d10751ce858a2628f5d699dbdb"},
		{4194304, 5243002, true, "8f24d6e14d786bd5862aae513949791bf3d15523003b1f24b8693561d9a4e99d"},
		{0, 4194303, true, "c7d749cd55cefa8ed8fbc208202e18d019b7701f29886f7c5d662d77b3903833"},
		{1048576, 3145727, false, "b75aca8a18ab725e6da28ced838ac9be59756d81fd6899b0d853849b43f7117e"},
		{1048576, 5243002, false, "c3cd0ef34faf21e344cf903557dae83cdf54e981eec5a629780b03e56a05c5ed"},
		{0, 5243002, true, "bb3ba52bef3af9dbe25c235c4db87262e302b12f33cb1938162351c123588182"},
	} {
		start, end := tc.first, tc.lastIncl+1
		if !treehash.MiBAligned(start, end, size) {
			t.Errorf("MiBAligned(%d, %d, %d) = false", start, end, size)
		}
		if got := treehash.Aligned(start, end, size); got != tc.aligned {
			t.Errorf("Aligned(%d, %d, %d) = %v, want %v", start, end, size, got, tc.aligned)
		}
		if got := treehash.Hex(treehash.Sum(data[start:end])); got != tc.tree {
			t.Errorf("Sum of bytes %d-%d = %s, want %s", tc.first, tc.lastIncl, got, tc.tree)
		}
		all := leaves.Leaves()
		first, last := treehash.LeafSpan(start, end)
		if got := treehash.Hex(treehash.Root(all[first:last])); got != tc.tree {
			t.Errorf("Root of leaves %d-%d = %s, want %s", first, last, got, tc.tree)
		}
		got, ok := treehash.RangeRoot(all, start, end, size)
		switch {
		case ok != tc.aligned:
			t.Errorf("RangeRoot(%d, %d): ok = %v, want %v", start, end, ok, tc.aligned)
		case ok && treehash.Hex(got) != tc.tree:
			t.Errorf("RangeRoot(%d, %d) = %x, want %s", start, end, got, tc.tree)
		case !ok && got != [32]byte{}:
			t.Errorf("RangeRoot(%d, %d) = %x with ok = false, want zero", start, end, got)
		}
	}
}
