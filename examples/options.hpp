// examples/options.hpp: Options, the few command-line flags the examples share (--epochs 5, --threads 2, ...).
#pragma once

#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <string_view>

/// Flags of the form `--name value`; unknown flags and missing values end the program with usage.
class Options {
 public:
  Options(int argc, char** argv, std::map<std::string, std::string> defaults, std::string_view usage)
      : values_(std::move(defaults)) {
    for (int i = 1; i < argc; ++i) {
      const std::string flag = argv[i];
      if (flag == "--help" || flag == "-h") fail(usage, "");
      if (flag.rfind("--", 0) != 0 || !values_.contains(flag.substr(2)) || i + 1 >= argc)
        fail(usage, "unknown flag or missing value: " + flag);
      values_[flag.substr(2)] = argv[++i];
    }
  }

  std::string text(const std::string& name) const { return values_.at(name); }

  std::size_t number(const std::string& name) const {
    const std::string& value = values_.at(name);
    char* end = nullptr;
    const unsigned long long n = std::strtoull(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') {
      std::cerr << "--" << name << " needs a whole number, got '" << value << "'\n";
      std::exit(2);
    }
    return std::size_t(n);
  }

 private:
  [[noreturn]] static void fail(std::string_view usage, const std::string& problem) {
    if (!problem.empty()) std::cerr << problem << '\n';
    std::cerr << usage << '\n';
    std::exit(problem.empty() ? 0 : 2);
  }

  std::map<std::string, std::string> values_;
};
