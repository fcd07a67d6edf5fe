#include "ledger/merkle.h"

#include <bit>
#include <cstring>

#include "clearing/codec.h"

namespace medclear::ledger {

namespace {

using Leaves = std::vector<Digest>;

size_t split_point(size_t n) {  // the largest power of two smaller than n (n ≥ 2)
  size_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Digest root_of(HashAlgorithm algorithm, const Leaves& leaves, size_t begin, size_t end) {
  const size_t n = end - begin;
  if (n == 0) return hash_bytes(algorithm, "");
  if (n == 1) return leaves[begin];
  const size_t k = split_point(n);
  return merkle_node(algorithm, root_of(algorithm, leaves, begin, begin + k),
                     root_of(algorithm, leaves, begin + k, end));
}

void path(HashAlgorithm algorithm, const Leaves& leaves, size_t index, size_t begin, size_t end,
          std::vector<Digest>& out) {
  const size_t n = end - begin;
  if (n <= 1) return;
  const size_t k = split_point(n);
  if (index < k) {
    path(algorithm, leaves, index, begin, begin + k, out);
    out.push_back(root_of(algorithm, leaves, begin + k, end));
  } else {
    path(algorithm, leaves, index - k, begin + k, end, out);
    out.push_back(root_of(algorithm, leaves, begin, begin + k));
  }
}

void subproof(HashAlgorithm algorithm, const Leaves& leaves, size_t m, size_t begin, size_t end,
              bool complete, std::vector<Digest>& out) {
  const size_t n = end - begin;
  if (m == n) {
    if (!complete) out.push_back(root_of(algorithm, leaves, begin, end));
    return;
  }
  const size_t k = split_point(n);
  if (m <= k) {
    subproof(algorithm, leaves, m, begin, begin + k, complete, out);
    out.push_back(root_of(algorithm, leaves, begin + k, end));
  } else {
    subproof(algorithm, leaves, m - k, begin + k, end, false, out);
    out.push_back(root_of(algorithm, leaves, begin, begin + k));
  }
}

}  // namespace

Digest merkle_leaf(HashAlgorithm algorithm, std::string_view data) {
  Hasher hasher(algorithm);
  return hasher.update_byte(0x00).update(data).finish();
}

Digest merkle_node(HashAlgorithm algorithm, const Digest& left, const Digest& right) {
  Hasher hasher(algorithm);
  return hasher.update_byte(0x01).update(left).update(right).finish();
}

Digest merkle_root(HashAlgorithm algorithm, const Leaves& leaves) {
  return root_of(algorithm, leaves, 0, leaves.size());
}

std::vector<Digest> inclusion_proof(HashAlgorithm algorithm, const Leaves& leaves, size_t index) {
  MC_CHECK(index < leaves.size(), "inclusion proof of a leaf outside the tree");
  std::vector<Digest> out;
  path(algorithm, leaves, index, 0, leaves.size(), out);
  return out;
}

bool verify_inclusion(HashAlgorithm algorithm, const Digest& leaf, uint64_t index, uint64_t size,
                      const std::vector<Digest>& proof, const Digest& root) {
  if (index >= size) return false;
  uint64_t fn = index;
  uint64_t sn = size - 1;
  Digest r = leaf;
  for (const Digest& p : proof) {
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      r = merkle_node(algorithm, p, r);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = merkle_node(algorithm, r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn == 0 && r == root;
}

std::vector<Digest> consistency_proof(HashAlgorithm algorithm, const Leaves& leaves,
                                      size_t old_size) {
  MC_CHECK(old_size <= leaves.size(), "consistency proof to a smaller tree");
  std::vector<Digest> out;
  if (old_size == 0 || old_size == leaves.size()) return out;
  subproof(algorithm, leaves, old_size, 0, leaves.size(), true, out);
  return out;
}

bool verify_consistency(HashAlgorithm algorithm, uint64_t old_size, uint64_t new_size,
                        const Digest& old_root, const Digest& new_root,
                        const std::vector<Digest>& proof) {
  if (old_size > new_size) return false;
  if (old_size == new_size) return proof.empty() && old_root == new_root;
  if (old_size == 0) return proof.empty();  // the empty tree is a prefix of every tree
  std::vector<Digest> path = proof;
  if ((old_size & (old_size - 1)) == 0) path.insert(path.begin(), old_root);
  if (path.empty()) return false;
  uint64_t fn = old_size - 1;
  uint64_t sn = new_size - 1;
  while ((fn & 1) != 0) {
    fn >>= 1;
    sn >>= 1;
  }
  Digest fr = path[0];
  Digest sr = path[0];
  for (size_t i = 1; i < path.size(); ++i) {
    const Digest& c = path[i];
    if (sn == 0) return false;
    if ((fn & 1) != 0 || fn == sn) {
      fr = merkle_node(algorithm, c, fr);
      sr = merkle_node(algorithm, c, sr);
      while ((fn & 1) == 0 && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = merkle_node(algorithm, sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return fr == old_root && sr == new_root && sn == 0;
}

void MerkleFrontier::append(const Digest& leaf) {
  Digest node = leaf;
  for (uint64_t n = size_; (n & 1) != 0; n >>= 1) {  // each set low bit: a subtree to complete
    node = merkle_node(algorithm_, nodes_.back(), node);
    nodes_.pop_back();
  }
  nodes_.push_back(node);
  ++size_;
}

Digest MerkleFrontier::root() const {
  if (nodes_.empty()) return hash_bytes(algorithm_, "");
  Digest r = nodes_.back();
  for (size_t i = nodes_.size() - 1; i > 0; --i) r = merkle_node(algorithm_, nodes_[i - 1], r);
  return r;
}

std::string MerkleFrontier::encode() const {
  clearing::ByteWriter out;
  out.u64(size_);
  for (const Digest& node : nodes_) {
    out.raw(std::string_view(reinterpret_cast<const char*>(node.data()), node.size()));
  }
  return std::move(out.bytes());
}

Result<MerkleFrontier> MerkleFrontier::decode(HashAlgorithm algorithm, std::string_view bytes) {
  clearing::ByteReader in(bytes);
  MerkleFrontier frontier(algorithm);
  if (!in.u64(frontier.size_) ||
      in.remaining() != static_cast<size_t>(std::popcount(frontier.size_)) * sizeof(Digest)) {
    return Status::corruption("corrupt Merkle frontier");
  }
  frontier.nodes_.resize(static_cast<size_t>(std::popcount(frontier.size_)));
  for (Digest& node : frontier.nodes_) {
    std::string_view raw;
    if (!in.raw(node.size(), raw)) return Status::corruption("corrupt Merkle frontier");
    std::memcpy(node.data(), raw.data(), node.size());
  }
  return frontier;
}

}  // namespace medclear::ledger
