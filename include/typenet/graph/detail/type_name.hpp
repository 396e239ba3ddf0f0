// typenet/graph/detail/type_name.hpp: type_name<T>(), a type as the compiler spells it, for naming blocks in summaries and messages.
#pragma once

#include <string>
#include <string_view>

namespace typenet::detail {

/// Tidies a type's spelling as the compiler prints it (src/type_name.cpp): without `typenet::`,
/// `(anonymous namespace)::` and the `ul` suffixes some compilers give sizes, "> >" as ">>".
std::string tidy_type_name(std::string_view raw);

/// T as the compiler spells it, tidied: "Down<32>" for a block declared `template <size_t C>
/// struct Down : Residual<...> {}`. Only for people to read (summaries, messages): two
/// compilers may spell a type differently, so nothing is matched against it.
template <class T>
std::string type_name() {
#if defined(__clang__) || defined(__GNUC__)
  const std::string_view pretty = __PRETTY_FUNCTION__;
  const std::size_t begin = pretty.find("T = ") + 4;
  std::size_t end = pretty.find(';', begin);
  if (end == std::string_view::npos) end = pretty.rfind(']');
  return tidy_type_name(pretty.substr(begin, end - begin));
#else
  return "block";
#endif
}

}  // namespace typenet::detail
