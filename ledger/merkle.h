// Merkle trees as in RFC 6962 / RFC 9162 §2.1: leaf = H(0x00 ‖ data), node = H(0x01 ‖ left ‖
// right), split at the largest power of two below n. Inclusion proofs (audit paths) and consistency
// proofs between an older tree size m and a newer size n, with the RFC's verification algorithms.
#pragma once

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

}  // namespace medclear::ledger
