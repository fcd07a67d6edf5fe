// The Kafka topics of medclear, the one home of their names: per region, claims.<R> (a claim
// to its insured region, key psn_no), settlements.<T> (a decision back to its treating region, key
// msgid) and dead-letters.<R> (messages a node could not read). WIRE.md says what travels on each;
// ops/kafka-topics.sh creates the same names on a real cluster. The names are a wire contract:
// never change them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace medclear::adapters {

inline constexpr char kClaimsTopicPrefix[] = "claims.";
inline constexpr char kSettlementsTopicPrefix[] = "settlements.";
inline constexpr char kDeadLettersTopicPrefix[] = "dead-letters.";

// `region` is a PP0000 region code.
std::string claims_topic(std::string_view region);
std::string settlements_topic(std::string_view region);
std::string dead_letters_topic(std::string_view region);

// The three topics of a region, in the order above.
std::vector<std::string> region_topics(std::string_view region);

}  // namespace medclear::adapters
