#include "adapters/topics.h"

namespace medclear::adapters {

std::string claims_topic(std::string_view region) {
  return kClaimsTopicPrefix + std::string(region);
}

std::string settlements_topic(std::string_view region) {
  return kSettlementsTopicPrefix + std::string(region);
}

std::string dead_letters_topic(std::string_view region) {
  return kDeadLettersTopicPrefix + std::string(region);
}

std::vector<std::string> region_topics(std::string_view region) {
  return {claims_topic(region), settlements_topic(region), dead_letters_topic(region)};
}

}  // namespace medclear::adapters
