// Merkle trees as in RFC 6962 / RFC 9162 §2.1: leaf = H(0x00 ‖ data), node = H(0x01 ‖ left ‖
// right), split at the largest power of two below n. Inclusion proofs (audit paths) and consistency
// proofs between an older tree size m and a newer size n, with the RFC's verification algorithms.
#pragma once

#include <string>
#include <vector>

#include "ledger/crypto.h"

namespace medclear::ledger {

Digest merkle_leaf(HashAlgorithm algorithm, std::string_view data);
Digest merkle_node(HashAlgorithm algorithm, const Digest& left, const Digest& right);
// Root over leaf hashes; the empty tree's root is H("").
Digest merkle_root(HashAlgorithm algorithm, const std::vector<Digest>& leaves);

std::vector<Digest> inclusion_proof(HashAlgorithm algorithm, const std::vector<Digest>& leaves,
                                    size_t index);
bool verify_inclusion(HashAlgorithm algorithm, const Digest& leaf, uint64_t index, uint64_t size,
                      const std::vector<Digest>& proof, const Digest& root);

// Proof that the tree of the first `old_size` leaves is a prefix of the tree of all leaves.
std::vector<Digest> consistency_proof(HashAlgorithm algorithm, const std::vector<Digest>& leaves,
                                      size_t old_size);
bool verify_consistency(HashAlgorithm algorithm, uint64_t old_size, uint64_t new_size,
                        const Digest& old_root, const Digest& new_root,
                        const std::vector<Digest>& proof);

// The compact range of a tree's first size() leaves: the roots of its perfect subtrees, one per
// set bit of the size, largest first. Appending a leaf costs one hash amortized and the root
// follows from at most 64 digests, so a seal extends the previous seal's frontier by the entries
// written since instead of hashing the whole journal again (FORMAT.md key space F).
class MerkleFrontier {
 public:
  explicit MerkleFrontier(HashAlgorithm algorithm) : algorithm_(algorithm) {}
  void append(const Digest& leaf);
  uint64_t size() const { return size_; }
  Digest root() const;  // merkle_root of the leaves appended so far
  // u64 size (little-endian), then the subtree roots; decode refuses a count that does not match.
  std::string encode() const;
  static Result<MerkleFrontier> decode(HashAlgorithm algorithm, std::string_view bytes);

 private:
  HashAlgorithm algorithm_;
  uint64_t size_ = 0;
  std::vector<Digest> nodes_;
};

}  // namespace medclear::ledger
