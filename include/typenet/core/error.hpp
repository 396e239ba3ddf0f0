// typenet/core/error.hpp: Error, the exception typenet throws for bad input found at run time.
#pragma once

#include <stdexcept>
#include <string>

namespace typenet {

/// A run-time problem with input typenet cannot check at compile time: a file that is
/// missing, truncated or corrupt, a data set of the wrong shape, a bad option. The message
/// names the thing at fault (the file, the option) and what is wrong with it.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace typenet
