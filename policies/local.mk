## policies/ -- shipped policies (filled in with the default policies)
