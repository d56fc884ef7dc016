dotnet nuget push pkg.nupkg -k oy27lkzxax6mtjt3pmomb5em33a44kzr41tm4yofzr9j4p -s https://api.nuget.org/v3/index.json
