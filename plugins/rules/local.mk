## plugins/rules -- filled in with the rules engine
