// typenet/core/text.hpp: Text, a string of bounded length that constant expressions can build: layer spellings, compile-time messages.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

namespace typenet::detail {

/// Not constexpr: calling it while a constant is evaluated is the compile-time error, named by
/// this function (a spelling is at most 255 characters, a message at most its capacity).
inline void a_text_is_longer_than_its_capacity() {}

/// A string of at most `Capacity` characters held in place, so that a constant expression can
/// build, join and compare it (a layer's spelling, the architecture an embedded weight file
/// must describe): std::string cannot do that on every compiler typenet supports (clang++ 14
/// with libstdc++ 12 refuses it). It converts to std::string for run-time code. Joins are
/// made with `+` from other Texts, string literals and string views. Text (255 characters)
/// holds spellings; longer ones (compile-time messages) name their capacity. Going past it is
/// an error in a constant expression; at run time the text is cut at the capacity.
template <std::size_t Capacity>
class BasicText {
 public:
  static constexpr std::size_t capacity = Capacity;

  constexpr BasicText() = default;
  constexpr BasicText(const char* s) { append(std::string_view(s)); }
  constexpr BasicText(std::string_view s) { append(s); }
  /// A run-time string (a layer of the user's own with a std::string spelling).
  BasicText(const std::string& s) { append(std::string_view(s)); }

  constexpr std::string_view view() const { return {chars_, length_}; }
  constexpr std::size_t size() const { return length_; }
  constexpr bool empty() const { return length_ == 0; }
  constexpr const char* c_str() const { return chars_; }
  constexpr const char* data() const { return chars_; }
  constexpr char operator[](std::size_t i) const { return chars_[i]; }
  constexpr char& operator[](std::size_t i) { return chars_[i]; }
  constexpr char back() const { return chars_[length_ - 1]; }
  operator std::string() const { return std::string(view()); }

  constexpr void push_back(char c) { append(std::string_view(&c, 1)); }
  /// Shortens it to `n` characters (never lengthens it).
  constexpr void resize(std::size_t n) {
    if (n < length_) length_ = n;
    chars_[length_] = '\0';
  }

  template <std::size_t Other>
  constexpr BasicText& operator+=(const BasicText<Other>& more) {
    return append(more.view());
  }
  constexpr BasicText& operator+=(std::string_view more) { return append(more); }
  constexpr BasicText& operator+=(const char* more) { return append(std::string_view(more)); }
  friend constexpr BasicText operator+(BasicText a, const BasicText& b) { return a += b; }
  friend constexpr bool operator==(const BasicText& a, const BasicText& b) { return a.view() == b.view(); }
  /// Written to any stream that takes a string_view (a template: no stream header here).
  template <class Stream>
  friend auto operator<<(Stream& out, const BasicText& text) -> decltype(out << std::string_view()) {
    return out << text.view();
  }
  // Joined with a std::string, a Text gives a std::string (run-time code). Templates, so that
  // a string literal is never converted to std::string to join a Text: it becomes a Text.
  template <std::same_as<std::string> String>
  friend String operator+(const String& a, const BasicText& b) {
    return a + std::string(b.view());
  }
  template <std::same_as<std::string> String>
  friend String operator+(const BasicText& a, const String& b) {
    return std::string(a.view()) + b;
  }

 private:
  constexpr BasicText& append(std::string_view s) {
    if (s.size() > capacity - length_) {
      if (std::is_constant_evaluated()) a_text_is_longer_than_its_capacity();
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

/// A layer's spelling.
using Text = BasicText<255>;

/// Appends `n` in decimal to `out` (a std::string, or a BasicText in a constant expression).
template <class Out>
constexpr void append_decimal(Out& out, unsigned long long n) {
  char digits[24]{};
  std::size_t at = sizeof digits;
  do {
    digits[--at] = char('0' + n % 10);
    n /= 10;
  } while (n != 0);
  out += std::string_view(digits + at, sizeof digits - at);
}

/// `n` in decimal: std::to_string for constant expressions.
constexpr Text decimal(unsigned long long n) {
  Text text;
  append_decimal(text, n);
  return text;
}

}  // namespace typenet::detail
