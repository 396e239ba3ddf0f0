// typenet/graph/detail/type_name.hpp: type_name<T>(), a type as the compiler spells it, for naming blocks in summaries and messages.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <typenet/core/text.hpp>

namespace typenet::detail {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/// Appends to `out` (a std::string, or a BasicText in a constant expression) a type's spelling
/// as the compiler prints it, tidied: without `typenet::`, `(anonymous namespace)::` and the
/// `ul` suffixes some compilers give sizes, "> >" as ">>", and BatchNormalizationWith<> (an
/// alias's target, which g++ spells with its arguments and clang++ without) as the
/// BatchNormalization the user wrote. `out` is worked on in place: it needs push_back, size,
/// resize, data and operator[].
template <class Out>
constexpr void tidy_type_name(std::string_view raw, Out& out) {
  constexpr std::string_view noise[] = {"typenet::", "(anonymous namespace)::", "{anonymous}::"};
  const std::size_t begin = out.size();
  for (std::size_t i = 0; i < raw.size();) {
    bool skipped = false;
    for (const std::string_view n : noise)
      if (raw.substr(i).starts_with(n)) {
        i += n.size();
        skipped = true;
        break;
      }
    if (!skipped) out.push_back(raw[i++]);
  }
  // Then in place (what is written never overtakes what is read): "32ul" or "32UL" after a
  // digit, as a size argument, becomes the number alone; "> >" becomes ">>".
  std::size_t w = begin;
  const std::size_t n = out.size();
  for (std::size_t i = begin; i < n; ++i) {
    const char c = out[i];
    if ((c == 'u' || c == 'U') && i > begin && is_digit(out[i - 1])) {
      std::size_t j = i + 1;
      while (j < n && (out[j] == 'l' || out[j] == 'L')) ++j;
      if (j == n || !is_alnum(out[j])) {
        i = j - 1;
        continue;
      }
    }
    if (c == ' ' && w > begin && out[w - 1] == '>' && i + 1 < n && out[i + 1] == '>') continue;
    out[w++] = c;
  }
  out.resize(w);
  constexpr std::string_view defaults[] = {"BatchNormalizationWith<std::ratio<1, 1000>, std::ratio<99, 100>>",
                                           "BatchNormalizationWith<>"};
  constexpr std::string_view alias = "BatchNormalization";
  w = begin;
  const std::size_t m = out.size();
  for (std::size_t i = begin; i < m;) {
    const std::string_view rest(out.data() + i, m - i);
    bool replaced = false;
    for (const std::string_view d : defaults)
      if (rest.starts_with(d)) {
        for (const char c : alias) out[w++] = c;
        i += d.size();
        replaced = true;
        break;
      }
    if (!replaced) out[w++] = out[i++];
  }
  out.resize(w);
}

/// T as the compiler prints it, untidied.
template <class T>
constexpr std::string_view raw_type_name() {
#if defined(__clang__) || defined(__GNUC__)
  const std::string_view pretty = __PRETTY_FUNCTION__;
  const std::size_t begin = pretty.find("T = ") + 4;
  std::size_t end = pretty.find(';', begin);
  if (end == std::string_view::npos) end = pretty.rfind(']');
  return pretty.substr(begin, end - begin);
#else
  return "block";
#endif
}

/// T as the compiler spells it, tidied: "Down<32>" for a block declared `template <size_t C>
/// struct Down : Residual<...> {}`. Only for people to read (summaries, messages): two
/// compilers may spell a type differently, so nothing is matched against it.
template <class T>
std::string type_name() {
  std::string name;
  tidy_type_name(raw_type_name<T>(), name);
  return name;
}

/// The same in a constant expression (the messages of an embedded weight file's check), cut
/// with "..." past Text's 255 characters where type_name is not.
template <class T>
constexpr Text type_text() {
  constexpr std::size_t most = 4000;
  BasicText<most> name;
  tidy_type_name(raw_type_name<T>().substr(0, most), name);
  if (name.size() <= Text::capacity) return Text(name.view());
  return Text(name.view().substr(0, Text::capacity - 3)) + "...";
}

}  // namespace typenet::detail
