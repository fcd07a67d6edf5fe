// RFC 6962 trees: every inclusion and consistency proof of small trees verifies, and any change
// to a leaf, a path element, an index or a size makes it fail. Both hash algorithms.
#include "ledger/merkle.h"

#include <gtest/gtest.h>

namespace medclear::ledger {
namespace {

std::vector<Digest> leaves_of(HashAlgorithm algorithm, size_t n) {
  std::vector<Digest> leaves;
  for (size_t i = 0; i < n; ++i)
    leaves.push_back(merkle_leaf(algorithm, "entry " + std::to_string(i)));
  return leaves;
}

class Merkle : public ::testing::TestWithParam<HashAlgorithm> {};

TEST_P(Merkle, KnownRootsOfTinyTrees) {
  const HashAlgorithm a = GetParam();
  EXPECT_EQ(merkle_root(a, {}), hash_bytes(a, ""));
  const auto two = leaves_of(a, 2);
  EXPECT_EQ(merkle_root(a, two), merkle_node(a, two[0], two[1]));
  const auto three = leaves_of(a, 3);
  EXPECT_EQ(merkle_root(a, three), merkle_node(a, merkle_node(a, three[0], three[1]), three[2]));
}

// The frontier kept by seals gives every prefix's root as merkle_root does, and survives its
// encoding; a wrong count of digests is corruption.
TEST_P(Merkle, FrontierRootIsTheRootOfEveryPrefix) {
  const HashAlgorithm a = GetParam();
  const auto leaves = leaves_of(a, 70);
  MerkleFrontier frontier(a);
  for (size_t n = 0; n <= leaves.size(); ++n) {
    const std::vector<Digest> prefix(leaves.begin(), leaves.begin() + static_cast<long>(n));
    ASSERT_EQ(frontier.size(), n);
    ASSERT_EQ(frontier.root(), merkle_root(a, prefix)) << n;
    Result<MerkleFrontier> copy = MerkleFrontier::decode(a, frontier.encode());
    ASSERT_TRUE(copy.is_ok());
    EXPECT_EQ(copy->root(), frontier.root());
    EXPECT_FALSE(MerkleFrontier::decode(a, frontier.encode() + std::string(32, 'x')).is_ok());
    if (n < leaves.size()) frontier.append(leaves[n]);
  }
}

TEST_P(Merkle, EveryInclusionProofVerifiesAndTamperingFails) {
  const HashAlgorithm a = GetParam();
  for (size_t n = 1; n <= 33; ++n) {
    const auto leaves = leaves_of(a, n);
    const Digest root = merkle_root(a, leaves);
    for (size_t i = 0; i < n; ++i) {
      std::vector<Digest> path = inclusion_proof(a, leaves, i);
      ASSERT_TRUE(verify_inclusion(a, leaves[i], i, n, path, root)) << n << " " << i;
      EXPECT_FALSE(verify_inclusion(a, leaves[(i + 1) % n], i, n, path, root) && n > 1);
      if (i + 1 < n) {
        EXPECT_FALSE(verify_inclusion(a, leaves[i], i + 1, n, path, root)) << n << " " << i;
      }
      if (!path.empty()) {
        path[0][0] ^= 1;
        EXPECT_FALSE(verify_inclusion(a, leaves[i], i, n, path, root)) << n << " " << i;
      }
    }
  }
}

TEST_P(Merkle, EveryConsistencyProofVerifiesAndTamperingFails) {
  const HashAlgorithm a = GetParam();
  const auto all = leaves_of(a, 40);
  for (size_t n = 1; n <= 40; ++n) {
    const std::vector<Digest> leaves(all.begin(), all.begin() + n);
    const Digest new_root = merkle_root(a, leaves);
    for (size_t m = 1; m <= n; ++m) {
      const Digest old_root = merkle_root(a, std::vector<Digest>(all.begin(), all.begin() + m));
      std::vector<Digest> proof = consistency_proof(a, leaves, m);
      ASSERT_TRUE(verify_consistency(a, m, n, old_root, new_root, proof)) << m << " " << n;
      if (!proof.empty()) {
        proof.back()[5] ^= 0x40;
        EXPECT_FALSE(verify_consistency(a, m, n, old_root, new_root, proof)) << m << " " << n;
      }
      if (m < n) {
        Digest other = old_root;
        other[0] ^= 1;
        EXPECT_FALSE(verify_consistency(a, m, n, other, new_root, consistency_proof(a, leaves, m)));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Algorithms, Merkle,
                         ::testing::Values(HashAlgorithm::kSha256, HashAlgorithm::kSm3));

TEST(Hash, KnownAnswers) {
  EXPECT_EQ(to_hex(hash_bytes(HashAlgorithm::kSha256, "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // GB/T 32905-2016 example 1
  EXPECT_EQ(to_hex(hash_bytes(HashAlgorithm::kSm3, "abc")),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
}

}  // namespace
}  // namespace medclear::ledger
