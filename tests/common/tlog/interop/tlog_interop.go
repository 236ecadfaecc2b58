// Command tlog_interop checks what Hattama's common/tlog writes with an independent
// implementation: Go's golang.org/x/mod/sumdb/note and sumdb/tlog (Debian's
// golang-golang-x-mod-dev) and Go's crypto/ed25519. tests/common/tlog/interop_test.cc builds it in
// GOPATH mode and runs one subcommand at a time. Each reads files that Hattama wrote, writes its
// answer to the file named last, and exits 1 with the reason on stderr when a check fails.
//
//	generate-key <name> <out>                  out: Go's signer key, then its verifier key, a line each
//	sign <signer key file> <text file> <out>   out: the text as a note signed by Go
//	open <verifier key file> <note file> <out> out: the text of the note, verified by Go
//	check-tree <input> <out>                   Hattama's roots and proofs against Go's (input below)
//	read-tiles <dir> <verifier key file> <checkpoint> [<older checkpoint>] <out>
//	                                           Hattama's tiles and entry bundles, read by Go's tile
//	                                           reader for the signed checkpoint (and consistency
//	                                           with the older one)
//	cosign <name> <note file> <out>            out: a cosignature/v1 verifier key line, then the
//	                                           note with a cosignature/v1 line by a new Go key
//	check-cosignature <verifier key file> <note file> <out>
//	                                           out: the time of the key's cosignature/v1 line
//
// check-tree's input has one item a line, leaves first:
//
//	leaf <base64 entry>
//	root <size> <base64 root hash>
//	inclusion <index> <size> <proof>
//	consistency <old size> <new size> <proof>
//
// where a proof is its base64 hashes joined by commas, or "-" when empty.
package main

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	if len(os.Args) < 3 {
		fail(errors.New("usage: tlog_interop <command> <args...> <out>"))
	}
	args, out := os.Args[2:len(os.Args)-1], os.Args[len(os.Args)-1]
	commands := map[string]func([]string) (string, error){
		"generate-key": generateKey, "sign": sign, "open": open, "check-tree": checkTree,
		"read-tiles": readTiles, "cosign": cosign, "check-cosignature": checkCosignature,
	}
	command, ok := commands[os.Args[1]]
	if !ok {
		fail(fmt.Errorf("unknown command %q", os.Args[1]))
	}
	answer, err := command(args)
	if err != nil {
		fail(err)
	}
	if err := os.WriteFile(out, []byte(answer), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tlog_interop:", err)
	os.Exit(1)
}

func readText(path string) (string, error) {
	data, err := os.ReadFile(path)
	return strings.TrimSuffix(string(data), "\n"), err
}

func generateKey(args []string) (string, error) {
	skey, vkey, err := note.GenerateKey(rand.Reader, args[0])
	return skey + "\n" + vkey + "\n", err
}

func sign(args []string) (string, error) {
	skey, err := readText(args[0])
	if err != nil {
		return "", err
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return "", err
	}
	text, err := os.ReadFile(args[1])
	if err != nil {
		return "", err
	}
	msg, err := note.Sign(&note.Note{Text: string(text)}, signer)
	return string(msg), err
}

func openNote(vkeyFile, noteFile string) (*note.Note, error) {
	vkey, err := readText(vkeyFile)
	if err != nil {
		return nil, err
	}
	verifier, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, fmt.Errorf("Go refuses the verifier key %q: %v", vkey, err)
	}
	msg, err := os.ReadFile(noteFile)
	if err != nil {
		return nil, err
	}
	return note.Open(msg, note.VerifierList(verifier))
}

func open(args []string) (string, error) {
	n, err := openNote(args[0], args[1])
	if err != nil {
		return "", err
	}
	return n.Text, nil
}

func parseProof(text string) ([]tlog.Hash, error) {
	if text == "-" {
		return nil, nil
	}
	var proof []tlog.Hash
	for _, b64 := range strings.Split(text, ",") {
		h, err := tlog.ParseHash(b64)
		if err != nil {
			return nil, err
		}
		proof = append(proof, h)
	}
	return proof, nil
}

func equalProofs(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkTree rebuilds the tree from the leaves in Go's own store and checks each of Hattama's
// roots and proofs twice: Go verifies it (CheckRecord, CheckTree), and Go's own proof is the same.
func checkTree(args []string) (string, error) {
	file, err := os.Open(args[0])
	if err != nil {
		return "", err
	}
	defer file.Close()
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		hashes := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			hashes[i] = stored[x]
		}
		return hashes, nil
	})
	var leaves [][]byte
	roots := map[int64]tlog.Hash{}
	counts := map[string]int{}
	scanner := bufio.NewScanner(file)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for line := 1; scanner.Scan(); line++ {
		f := strings.Fields(scanner.Text())
		if err := checkTreeLine(f, &stored, &leaves, roots, reader); err != nil {
			return "", fmt.Errorf("line %d (%s): %v", line, scanner.Text(), err)
		}
		counts[f[0]]++
	}
	if err := scanner.Err(); err != nil {
		return "", err
	}
	return fmt.Sprintf("leaves %d roots %d inclusion %d consistency %d\n",
		counts["leaf"], counts["root"], counts["inclusion"], counts["consistency"]), nil
}

func checkTreeLine(f []string, stored *[]tlog.Hash, leaves *[][]byte, roots map[int64]tlog.Hash,
	reader tlog.HashReader) error {
	number := func(i int) int64 {
		n, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			panic(err)
		}
		return n
	}
	switch {
	case f[0] == "leaf" && len(f) <= 2: // an empty entry's base64 is empty
		data, err := base64.StdEncoding.DecodeString(strings.Join(f[1:], ""))
		if err != nil {
			return err
		}
		hashes, err := tlog.StoredHashes(int64(len(*leaves)), data, reader)
		if err != nil {
			return err
		}
		*stored = append(*stored, hashes...)
		*leaves = append(*leaves, data)
	case f[0] == "root" && len(f) == 3:
		size := number(1)
		root, err := tlog.ParseHash(f[2])
		if err != nil {
			return err
		}
		goRoot, err := tlog.TreeHash(size, reader)
		if err != nil {
			return err
		}
		if goRoot != root {
			return fmt.Errorf("Go's root is %v", goRoot)
		}
		roots[size] = root
	case f[0] == "inclusion" && len(f) == 4:
		index, size := number(1), number(2)
		proof, err := parseProof(f[3])
		if err != nil {
			return err
		}
		if err := tlog.CheckRecord(proof, size, roots[size], index, tlog.RecordHash((*leaves)[index])); err != nil {
			return fmt.Errorf("Go's CheckRecord: %v", err)
		}
		goProof, err := tlog.ProveRecord(size, index, reader)
		if err != nil || !equalProofs(goProof, proof) {
			return fmt.Errorf("Go's ProveRecord gives %v (%v)", goProof, err)
		}
	case f[0] == "consistency" && len(f) == 4:
		old, size := number(1), number(2)
		proof, err := parseProof(f[3])
		if err != nil {
			return err
		}
		if err := tlog.CheckTree(proof, size, roots[size], old, roots[old]); err != nil {
			return fmt.Errorf("Go's CheckTree: %v", err)
		}
		goProof, err := tlog.ProveTree(size, old, reader)
		if err != nil || !equalProofs(goProof, proof) {
			return fmt.Errorf("Go's ProveTree gives %v (%v)", goProof, err)
		}
	default:
		return errors.New("not an item")
	}
	return nil
}

// tileDir serves the tiles Hattama wrote in C2SP's layout (tile/<L>/<N>) to Go's tile reader,
// which names tiles with their height (tile/8/<L>/<N>).
type tileDir string

func (d tileDir) Height() int { return 8 }

func (d tileDir) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	data := make([][]byte, len(tiles))
	for i, t := range tiles {
		var err error
		data[i], err = os.ReadFile(filepath.Join(string(d), c2spPath(t)))
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

func (d tileDir) SaveTiles([]tlog.Tile, [][]byte) {}

func c2spPath(t tlog.Tile) string {
	return "tile/" + strings.TrimPrefix(t.Path(), "tile/8/")
}

// openCheckpoint verifies a signed checkpoint with Go's note package and parses its text.
func openCheckpoint(vkeyFile, noteFile string) (tlog.Tree, error) {
	n, err := openNote(vkeyFile, noteFile)
	if err != nil {
		return tlog.Tree{}, err
	}
	lines := strings.SplitN(n.Text, "\n", 4)
	if len(lines) < 4 || lines[0] != n.Sigs[0].Name {
		return tlog.Tree{}, fmt.Errorf("not a checkpoint of %s: %q", n.Sigs[0].Name, n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return tlog.Tree{}, err
	}
	root, err := tlog.ParseHash(lines[2])
	return tlog.Tree{N: size, Hash: root}, err
}

func readTiles(args []string) (string, error) {
	tree, err := openCheckpoint(args[1], args[2])
	if err != nil {
		return "", err
	}
	// Go's reader authenticates every tile it reads against the checkpoint's root.
	reader := tlog.TileHashReader(tree, tileDir(args[0]))
	if root, err := tlog.TreeHash(tree.N, reader); err != nil || root != tree.Hash {
		return "", fmt.Errorf("Go's TreeHash over the tiles: %v %v", root, err)
	}
	entries, err := checkBundles(args[0], tree.N, reader)
	if err != nil {
		return "", err
	}
	proofs := 0
	for index := int64(0); index < tree.N; index += 997 {
		if index+997 >= tree.N {
			index = tree.N - 1
		}
		proof, err := tlog.ProveRecord(tree.N, index, reader)
		if err != nil {
			return "", err
		}
		if err := tlog.CheckRecord(proof, tree.N, tree.Hash, index, tlog.RecordHash(entries[index])); err != nil {
			return "", fmt.Errorf("leaf %d: %v", index, err)
		}
		proofs++
	}
	answer := fmt.Sprintf("size %d entries %d proofs %d\n", tree.N, len(entries), proofs)
	if len(args) == 3 {
		return answer, nil
	}
	old, err := openCheckpoint(args[1], args[3])
	if err != nil {
		return "", err
	}
	proof, err := tlog.ProveTree(tree.N, old.N, reader)
	if err != nil {
		return "", err
	}
	if err := tlog.CheckTree(proof, tree.N, tree.Hash, old.N, old.Hash); err != nil {
		return "", fmt.Errorf("consistency from %d: %v", old.N, err)
	}
	return answer + fmt.Sprintf("consistent with %d\n", old.N), nil
}

// checkBundles decodes every entry bundle (big-endian uint16 length-prefixed entries) and checks
// that each entry hashes to its leaf hash in the authenticated level-0 tiles.
func checkBundles(dir string, size int64, reader tlog.HashReader) ([][]byte, error) {
	var entries [][]byte
	for start := int64(0); start < size; start += 256 {
		width := size - start
		if width > 256 {
			width = 256
		}
		tile := tlog.Tile{H: 8, L: 0, N: start / 256, W: int(width)}
		path := "tile/entries/" + strings.TrimPrefix(tile.Path(), "tile/8/0/")
		bundle, err := os.ReadFile(filepath.Join(dir, path))
		if err != nil {
			return nil, err
		}
		indexes := make([]int64, width)
		for i := range indexes {
			indexes[i] = tlog.StoredHashIndex(0, start+int64(i))
		}
		hashes, err := reader.ReadHashes(indexes)
		if err != nil {
			return nil, err
		}
		for i := 0; i < int(width); i++ {
			if len(bundle) < 2 || len(bundle) < 2+int(binary.BigEndian.Uint16(bundle)) {
				return nil, fmt.Errorf("%s: cut short at entry %d", path, i)
			}
			n := int(binary.BigEndian.Uint16(bundle))
			entry := bundle[2 : 2+n]
			bundle = bundle[2+n:]
			if tlog.RecordHash(entry) != hashes[i] {
				return nil, fmt.Errorf("%s: entry %d does not hash to its leaf", path, i)
			}
			entries = append(entries, entry)
		}
		if len(bundle) != 0 {
			return nil, fmt.Errorf("%s: %d bytes after the last entry", path, len(bundle))
		}
	}
	return entries, nil
}

// Cosignatures (c2sp.org/tlog-cosignature, signature type 0x04), which Go's note package (0.7.0)
// does not know: written out here from the spec with crypto/ed25519.

func cosignatureKeyHash(name string, public ed25519.PublicKey) uint32 {
	sum := sha256.Sum256([]byte(name + "\n\x04" + string(public)))
	return binary.BigEndian.Uint32(sum[:4])
}

func cosignedMessage(text string, t uint64) []byte {
	return []byte(fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, text))
}

// readNote reads a signed note and its text: up to and including the newline before the last
// blank line.
func readNote(path string) (msg []byte, text string, err error) {
	msg, err = os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	i := bytes.LastIndex(msg, []byte("\n\n"))
	if i < 0 {
		return nil, "", errors.New("not a signed note: " + path)
	}
	return msg, string(msg[:i+1]), nil
}

func cosign(args []string) (string, error) {
	name := args[0]
	public, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", err
	}
	msg, text, err := readNote(args[1])
	if err != nil {
		return "", err
	}
	hash := cosignatureKeyHash(name, public)
	t := uint64(time.Now().Unix())
	sig := binary.BigEndian.AppendUint32(nil, hash)
	sig = binary.BigEndian.AppendUint64(sig, t)
	sig = append(sig, ed25519.Sign(private, cosignedMessage(text, t))...)
	vkey := fmt.Sprintf("%s+%08x+%s", name, hash,
		base64.StdEncoding.EncodeToString(append([]byte{0x04}, public...)))
	line := "— " + name + " " + base64.StdEncoding.EncodeToString(sig) + "\n"
	return vkey + "\n" + string(msg) + line, nil
}

func checkCosignature(args []string) (string, error) {
	vkey, err := readText(args[0])
	if err != nil {
		return "", err
	}
	parts := strings.SplitN(vkey, "+", 3)
	key, err := base64.StdEncoding.DecodeString(parts[len(parts)-1])
	if len(parts) != 3 || err != nil || len(key) != 33 || key[0] != 0x04 {
		return "", fmt.Errorf("not a cosignature/v1 verifier key: %q", vkey)
	}
	name, public := parts[0], ed25519.PublicKey(key[1:])
	hash := cosignatureKeyHash(name, public)
	if fmt.Sprintf("%08x", hash) != parts[1] {
		return "", fmt.Errorf("the key hash of %q is %08x", vkey, hash)
	}
	msg, text, err := readNote(args[1])
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(msg[len(text)+1:]), "\n") {
		fields := strings.Fields(strings.TrimPrefix(line, "— "))
		if len(fields) != 2 || fields[0] != name {
			continue
		}
		sig, err := base64.StdEncoding.DecodeString(fields[1])
		if err != nil || len(sig) != 4+8+64 || binary.BigEndian.Uint32(sig) != hash {
			continue
		}
		t := binary.BigEndian.Uint64(sig[4:])
		if !ed25519.Verify(public, cosignedMessage(text, t), sig[12:]) {
			return "", fmt.Errorf("the cosignature of %s does not verify", name)
		}
		return fmt.Sprintf("time %d\n", t), nil
	}
	return "", fmt.Errorf("no cosignature of %s+%08x", name, hash)
}
