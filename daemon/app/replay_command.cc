#include "app/commands.h"

namespace reminder::app {

// Placeholder until replay/ lands; replaced below.
int replay(const ReplayArgs&, std::ostream&, std::ostream& err) {
  err << "replay: not built yet\n";
  return 1;
}

}  // namespace reminder::app
