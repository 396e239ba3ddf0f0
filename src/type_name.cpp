// src/type_name.cpp: tidy_type_name, a compiler's spelling of a type made short for people.
#include <typenet/graph/detail/type_name.hpp>

#include <cctype>

namespace typenet::detail {

std::string tidy_type_name(std::string_view raw) {
  std::string text(raw);
  for (const std::string_view noise : {std::string_view("typenet::"), std::string_view("(anonymous namespace)::"),
                                       std::string_view("{anonymous}::")}) {
    for (std::size_t at = text.find(noise); at != std::string::npos; at = text.find(noise, at)) text.erase(at, noise.size());
  }
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    // "32ul" or "32UL" after a digit, as a size argument: the number alone.
    if ((text[i] == 'u' || text[i] == 'U') && i > 0 && std::isdigit(static_cast<unsigned char>(text[i - 1]))) {
      std::size_t j = i + 1;
      while (j < text.size() && (text[j] == 'l' || text[j] == 'L')) ++j;
      if (j == text.size() || !std::isalnum(static_cast<unsigned char>(text[j]))) {
        i = j - 1;
        continue;
      }
    }
    if (text[i] == ' ' && !out.empty() && out.back() == '>' && i + 1 < text.size() && text[i + 1] == '>') continue;
    out += text[i];
  }
  // BatchNormalization is an alias of BatchNormalizationWith<> (layers/batch_normalization.hpp),
  // which g++ spells with its arguments and clang++ without: the name the user wrote.
  for (const std::string_view defaults : {std::string_view("BatchNormalizationWith<std::ratio<1, 1000>, std::ratio<99, 100>>"),
                                          std::string_view("BatchNormalizationWith<>")})
    for (std::size_t at = out.find(defaults); at != std::string::npos; at = out.find(defaults, at))
      out.replace(at, defaults.size(), "BatchNormalization");
  return out;
}

}  // namespace typenet::detail
