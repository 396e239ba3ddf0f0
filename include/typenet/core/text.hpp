// typenet/core/text.hpp: Text, a string of bounded length that constant expressions can build: layer spellings, compile-time messages.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>

namespace typenet::detail {

/// Not constexpr: calling it while a constant is evaluated is the compile-time error, named by
/// this function.
inline void a_spelling_is_at_most_255_characters() {}

/// A string of at most `capacity` characters held in place, so that a constant expression can
/// build, join and compare it (a layer's spelling, the architecture an embedded weight file
/// must describe): std::string cannot do that on every compiler typenet supports (clang++ 14
/// with libstdc++ 12 refuses it). It converts to std::string for run-time code. Joins are
/// made with `+` from other Texts, string literals and string views.
class Text {
 public:
  static constexpr std::size_t capacity = 255;

  constexpr Text() = default;
  constexpr Text(const char* s) { append(std::string_view(s)); }
  constexpr Text(std::string_view s) { append(s); }
  /// A run-time string (a layer of the user's own with a std::string spelling).
  Text(const std::string& s) { append(std::string_view(s)); }

  constexpr std::string_view view() const { return {chars_, length_}; }
  constexpr std::size_t size() const { return length_; }
  constexpr const char* c_str() const { return chars_; }
  operator std::string() const { return std::string(view()); }

  constexpr Text& operator+=(const Text& more) { return append(more.view()); }
  friend constexpr Text operator+(Text a, const Text& b) { return a += b; }
  friend constexpr bool operator==(const Text& a, const Text& b) { return a.view() == b.view(); }
  /// Written to any stream that takes a string_view (a template: no stream header here).
  template <class Stream>
  friend auto operator<<(Stream& out, const Text& text) -> decltype(out << std::string_view()) {
    return out << text.view();
  }
  // Joined with a std::string, a Text gives a std::string (run-time code). Templates, so that
  // a string literal is never converted to std::string to join a Text: it becomes a Text.
  template <std::same_as<std::string> String>
  friend String operator+(const String& a, const Text& b) {
    return a + std::string(b.view());
  }
  template <std::same_as<std::string> String>
  friend String operator+(const Text& a, const String& b) {
    return std::string(a.view()) + b;
  }

 private:
  constexpr Text& append(std::string_view s) {
    if (s.size() > capacity - length_) {
      a_spelling_is_at_most_255_characters();
      s = s.substr(0, capacity - length_);
    }
    std::copy(s.begin(), s.end(), chars_ + length_);
    length_ += s.size();
    chars_[length_] = '\0';
    return *this;
  }
  char chars_[capacity + 1]{};
  std::size_t length_ = 0;
};

/// `n` in decimal: std::to_string for constant expressions.
constexpr Text decimal(unsigned long long n) {
  char digits[24]{};
  std::size_t at = sizeof digits - 1;
  do {
    digits[--at] = char('0' + n % 10);
    n /= 10;
  } while (n != 0);
  return Text(std::string_view(digits + at, sizeof digits - 1 - at));
}

}  // namespace typenet::detail
