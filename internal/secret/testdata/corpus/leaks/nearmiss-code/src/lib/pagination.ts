const nextToken: string = response.NextToken;
const pageToken = params.get("page_token");
const continuationToken = data.continuationToken;
