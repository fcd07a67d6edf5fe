// The 31 provincial divisions with their 2020 census populations: clearing/provinces.h.
#pragma once

#include "clearing/provinces.h"

namespace medclear::simulator {

using clearing::kProvinces;
using clearing::Province;

}  // namespace medclear::simulator
