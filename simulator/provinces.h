// The 31 provincial divisions with their 2020 census populations (tenths of millions), copied
// from shared/data/provinces.tsv so a clone of this repository is complete.
#pragma once

#include <cstdint>

namespace medclear::simulator {

struct Province {
  const char* admdvs;
  const char* name_en;
  int32_t population_tenths_of_millions;
};

inline constexpr Province kProvinces[] = {
    {"110000", "Beijing", 219},    {"120000", "Tianjin", 139},        {"130000", "Hebei", 746},
    {"140000", "Shanxi", 349},     {"150000", "Inner Mongolia", 240}, {"210000", "Liaoning", 426},
    {"220000", "Jilin", 241},      {"230000", "Heilongjiang", 319},   {"310000", "Shanghai", 249},
    {"320000", "Jiangsu", 847},    {"330000", "Zhejiang", 646},       {"340000", "Anhui", 610},
    {"350000", "Fujian", 415},     {"360000", "Jiangxi", 452},        {"370000", "Shandong", 1015},
    {"410000", "Henan", 994},      {"420000", "Hubei", 578},          {"430000", "Hunan", 664},
    {"440000", "Guangdong", 1260}, {"450000", "Guangxi", 501},        {"460000", "Hainan", 101},
    {"500000", "Chongqing", 321},  {"510000", "Sichuan", 837},        {"520000", "Guizhou", 386},
    {"530000", "Yunnan", 472},     {"540000", "Tibet", 36},           {"610000", "Shaanxi", 395},
    {"620000", "Gansu", 250},      {"630000", "Qinghai", 59},         {"640000", "Ningxia", 72},
    {"650000", "Xinjiang", 259},
};

}  // namespace medclear::simulator
