// The 31 provincial divisions of shared/data/provinces.tsv — code, name in Chinese and in pinyin,
// 2020 census population — copied here so a clone of this repository is complete. The one home of
// the list: the command line's region choices, the simulator's nation and every report a person
// reads take their codes and names from it.
#pragma once

#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>

namespace medclear::clearing {

struct Province {
  const char* admdvs;
  const char* name_zh;
  const char* name_en;  // pinyin
  int32_t population_tenths_of_millions;
};

inline constexpr Province kProvinces[] = {
    {"110000", "北京市", "Beijing", 219},
    {"120000", "天津市", "Tianjin", 139},
    {"130000", "河北省", "Hebei", 746},
    {"140000", "山西省", "Shanxi", 349},
    {"150000", "内蒙古自治区", "Inner Mongolia", 240},
    {"210000", "辽宁省", "Liaoning", 426},
    {"220000", "吉林省", "Jilin", 241},
    {"230000", "黑龙江省", "Heilongjiang", 319},
    {"310000", "上海市", "Shanghai", 249},
    {"320000", "江苏省", "Jiangsu", 847},
    {"330000", "浙江省", "Zhejiang", 646},
    {"340000", "安徽省", "Anhui", 610},
    {"350000", "福建省", "Fujian", 415},
    {"360000", "江西省", "Jiangxi", 452},
    {"370000", "山东省", "Shandong", 1015},
    {"410000", "河南省", "Henan", 994},
    {"420000", "湖北省", "Hubei", 578},
    {"430000", "湖南省", "Hunan", 664},
    {"440000", "广东省", "Guangdong", 1260},
    {"450000", "广西壮族自治区", "Guangxi", 501},
    {"460000", "海南省", "Hainan", 101},
    {"500000", "重庆市", "Chongqing", 321},
    {"510000", "四川省", "Sichuan", 837},
    {"520000", "贵州省", "Guizhou", 386},
    {"530000", "云南省", "Yunnan", 472},
    {"540000", "西藏自治区", "Tibet", 36},
    {"610000", "陕西省", "Shaanxi", 395},
    {"620000", "甘肃省", "Gansu", 250},
    {"630000", "青海省", "Qinghai", 59},
    {"640000", "宁夏回族自治区", "Ningxia", 72},
    {"650000", "新疆维吾尔自治区", "Xinjiang", 259},
};
inline constexpr int kProvinceCount = static_cast<int>(std::size(kProvinces));

// The province of a division code (PP0000), or nullptr.
inline const Province* find_province(std::string_view admdvs) {
  for (const Province& p : kProvinces) {
    if (admdvs == p.admdvs) return &p;
  }
  return nullptr;
}

// "110000 北京市 Beijing" — what a person reads; the code alone when it is not a province.
inline std::string province_label(std::string_view admdvs) {
  std::string label(admdvs);
  if (const Province* p = find_province(admdvs)) {
    label.append(" ").append(p->name_zh).append(" ").append(p->name_en);
  }
  return label;
}

}  // namespace medclear::clearing
